/**
 * The command line against a directory laid out like /etc/pve.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readConformanceJson, readConformanceText, repoRoot } from '../support/conformance.js';
import { runCli } from '../support/cli.js';
import { makePveDir, type PveDir } from '../support/pve-dir.js';

interface MatrixConfig {
  config: string;
  cases: { op: string; authid: string; path?: string; expected: unknown }[];
}

const DOMAINS =
  'pve: pve\n\tcomment Built in\n\nldap: corp\n\tbase_dn dc=corp\n\tuser_attr uid\n\tserver1 ldap.corp\n\tmode ldaps\n';

describe('tessera CLI with --store pve-dir:', () => {
  let dir: PveDir;
  let store: string;
  before(() => {
    dir = makePveDir({
      'user.cfg': readConformanceText('pve-access-control', 'fixtures', 'test8.cfg'),
      'domains.cfg': DOMAINS,
      'priv/shadow.cfg': 'joe:$5$abcdefgh$0123456789012345678901234567890123456789012:\n',
      'priv/token.cfg': 'max@pve!token 0c7f1a7e-55b8-4c6e-9d6c-3a0f6b1d2e33\n',
      'priv/tfa.cfg':
        '{"users":{"joe@pve":{"yubico":[{"id":"y1","created":1,"entry":"ccccccbcdefg"}]}}}',
    });
    store = `pve-dir:${dir.path}`;
  });
  after(() => {
    dir.remove();
  });

  const matrix = readConformanceJson<{ configs: MatrixConfig[] }>(
    'pve-access-control',
    'generated',
    'permission-matrix.json',
  );
  const test8 = matrix.configs.find((c) => c.config === 'test8.cfg');

  it('user permissions prints GET /access/permissions data, for users and tokens', async () => {
    const effective = test8?.cases.filter((c) => c.op === 'effective') ?? [];
    assert.ok(effective.length > 5);
    for (const c of effective) {
      const result = await runCli(
        '--store',
        store,
        'user',
        'permissions',
        c.authid,
        '--output-format',
        'json',
      );
      assert.equal(result.status, 0, result.stderr);
      assert.deepEqual(JSON.parse(result.stdout), c.expected, c.authid);
    }
  });

  it('user permissions --path prints that one path, even when empty', async () => {
    const cases = (test8?.cases ?? []).filter((c) => c.op === 'permissions').slice(0, 40);
    for (const c of cases) {
      const result = await runCli(
        '--store',
        store,
        '--output-format',
        'json',
        'user',
        'permissions',
        c.authid,
        '--path',
        c.path ?? '',
      );
      assert.deepEqual(JSON.parse(result.stdout), { [c.path ?? '']: c.expected });
    }
  });

  it("user permissions in text prints pveum's table, one privilege a line", async () => {
    const result = await runCli('--store', store, 'user', 'permissions', 'max@pve!token2');
    assert.equal(
      result.stdout,
      [
        '┌──────────┬─────────────────┐',
        '│ ACL path │ Permissions     │',
        '╞══════════╪═════════════════╡',
        '│ /vms/300 │ VM.Allocate (*) │',
        '│          │ VM.Audit (*)    │',
        '│          │ VM.Console (*)  │',
        '│          │ VM.PowerMgmt    │',
        '└──────────┴─────────────────┘',
        "Permissions marked with '(*)' have the 'propagate' flag set.",
        '',
      ].join('\n'),
    );
  });

  it("takes pveum's standard output options, booleans with or without a value", async () => {
    const plain = await runCli(
      '--store',
      store,
      'user',
      'permissions',
      'max@pve!token2',
      '--noborder',
      '--noheader',
      '1',
    );
    assert.equal(
      plain.stdout,
      '/vms/300 VM.Allocate (*)\n         VM.Audit (*)\n         VM.Console (*)\n         VM.PowerMgmt\n' +
        "Permissions marked with '(*)' have the 'propagate' flag set.\n",
    );
    const yaml = await runCli(
      '--store',
      store,
      'user',
      'permissions',
      'max@pve!token2',
      '--output-format',
      'yaml',
      '--quiet',
      '0',
    );
    assert.equal(
      yaml.stdout,
      '---\n/vms/300:\n  VM.Allocate: 1\n  VM.Audit: 1\n  VM.Console: 1\n  VM.PowerMgmt: 0\n',
    );
    const quiet = await runCli(
      '--store',
      store,
      'user',
      'permissions',
      'max@pve!token2',
      '--output-format=json',
      '--quiet',
    );
    assert.equal(quiet.stdout, '');
    const bad = await runCli(
      '--store',
      store,
      'user',
      'permissions',
      'max@pve',
      '--noborder=maybe',
    );
    assert.equal(bad.status, 255);
    assert.equal(
      bad.stderr,
      '400 unable to parse boolean option\n' +
        'tessera user permissions [<userid>] [OPTIONS] [FORMAT_OPTIONS]\n',
    );
  });

  it('user permissions refuses an invalid id, naming the field', async () => {
    const result = await runCli('--store', store, 'user', 'permissions', 'nobody');
    assert.equal(result.status, 255);
    assert.match(result.stderr, /^400 Parameter verification failed\.\nuserid: /);
  });

  it('config show prints each file as Proxmox would write it back', async () => {
    const expected: Record<string, string> = {
      'user.cfg': readConformanceText('pve-access-control', 'fixtures', 'test8.cfg'),
      'domains.cfg':
        'pve: pve\n\tcomment Built in\n\nldap: corp\n\tbase_dn dc=corp\n\tserver1 ldap.corp\n\tuser_attr uid\n\tmode ldaps\n\n' +
        'pam: pam\n\tcomment Linux PAM standard authentication\n\n',
      'priv/shadow.cfg': 'joe:$5$abcdefgh$0123456789012345678901234567890123456789012:\n',
      'priv/token.cfg': 'max@pve!token 0c7f1a7e-55b8-4c6e-9d6c-3a0f6b1d2e33\n',
      'priv/tfa.cfg':
        '{"users":{"joe@pve":{"yubico":[{"id":"y1","created":1,"entry":"ccccccbcdefg"}]}}}',
    };
    const userCfg = await runCli('--store', store, 'config', 'show', 'user.cfg');
    assert.match(
      userCfg.stdout,
      /^user:alex@pve:1:0::::::\nuser:carol@pam:1:0::::::\ntoken:carol@pam!token:0:0::\n/,
    );
    assert.match(
      userCfg.stdout,
      /\nacl:0:\/vms\/300:max@pve:customer:\nacl:1:\/vms\/300:max@pve!token2,max@pve:Administrator|acl:1:\/vms\/300:/,
    );
    for (const file of ['domains.cfg', 'priv/shadow.cfg', 'priv/token.cfg', 'priv/tfa.cfg']) {
      const result = await runCli('--store', store, 'config', 'show', file);
      assert.equal(result.status, 0);
      assert.equal(result.stdout, expected[file], file);
    }
    const short = await runCli('--store', store, 'config', 'show', 'shadow.cfg');
    assert.equal(short.stdout, expected['priv/shadow.cfg']);
  });

  it('config check is quiet about a valid configuration and exits 0', async () => {
    const result = await runCli('--store', store, 'config', 'check');
    assert.equal(result.status, 0);
    assert.equal(result.stdout, 'configuration is valid\n');
  });

  it('config check lists errors and warnings with file:line and exits 1', async () => {
    const bad = makePveDir({
      'user.cfg':
        '# a comment\nuser:a@pve:1:0::::::\nuser:b@pve:1:soon::::::\ngroup:g:a@pve,ghost@pve::\nrole:r:VM.Audit,VM.Foo:\n',
      'domains.cfg': 'ldap: corp\n\tserver1 ldap.corp\n\tport 70000\n',
      'priv/token.cfg': 'bad line\n',
    });
    try {
      const result = await runCli('--store', `pve-dir:${bad.path}`, 'config', 'check');
      assert.equal(result.status, 1);
      assert.equal(
        result.stdout,
        [
          'user.cfg:1: warning: ignore config line: # a comment',
          "user.cfg:3: error: ignore user 'b@pve' - (illegal characters in expire 'soon')",
          "user.cfg:4: warning: ignore invalid group member 'ghost@pve'",
          "user.cfg:5: error: ignore invalid privilege 'VM.Foo'",
          "domains.cfg:3: error (section 'corp'): unable to parse value of 'port': value must have a maximum value of 65535",
          "domains.cfg:3: error: (skip section 'corp'): missing value for required option 'base_dn'",
          'priv/token.cfg:1: error: skipping invalid token.cfg entry',
          'configuration is invalid: 5 error(s), 2 warning(s)',
          '',
        ].join('\n'),
      );
      const json = await runCli(
        '--store',
        `pve-dir:${bad.path}`,
        '--output-format',
        'json',
        'config',
        'check',
      );
      const parsed = JSON.parse(json.stdout) as {
        valid: boolean;
        diagnostics: { file: string; line: number }[];
      };
      assert.equal(parsed.valid, false);
      assert.deepEqual(parsed.diagnostics[1], {
        file: 'user.cfg',
        line: 3,
        severity: 'error',
        message: "ignore user 'b@pve' - (illegal characters in expire 'soon')",
      });
    } finally {
      bad.remove();
    }
  });

  it('acl explain names the deciding entry', async () => {
    const text = await runCli(
      '--store',
      store,
      'acl',
      'explain',
      'max@pve!token',
      '/vms/200',
      'Datastore.Audit',
    );
    assert.equal(text.status, 0);
    assert.match(
      text.stdout,
      /^max@pve!token on \/vms\/200: Datastore.Audit is GRANTED \(granted\)\n/,
    );
    // The token is not privilege-separated: its own entry is ignored, and the explanation says so.
    assert.match(
      text.stdout,
      /its own ACL entries are ignored: token 'max@pve!token' has role 'storage_manager' on '\/vms\/200'/,
    );
    assert.match(
      text.stdout,
      /\n {2}\/vms\/200 \(group entries, the path itself\) {2}<- decides\n {4}acl:1:\/vms\/200:@testgroup3:storage_manager\n/,
    );
    const denied = await runCli(
      '--store',
      store,
      '--output-format',
      'json',
      'acl',
      'explain',
      'alex@pve',
      '/vms/200/',
      'VM.Audit',
    );
    const explanation = JSON.parse(denied.stdout) as {
      granted: boolean;
      verdict: string;
      path: string;
      summary: string;
    };
    assert.equal(explanation.granted, false);
    assert.equal(explanation.verdict, 'no_access');
    assert.equal(explanation.path, '/vms/200');
    assert.match(explanation.summary, /group 'testgroup2' has role 'NoAccess' on '\/vms\/200'/);
  });

  it('acl explain refuses unknown privileges and bad paths', async () => {
    const priv = await runCli('--store', store, 'acl', 'explain', 'max@pve', '/vms', 'VM.Fly');
    assert.deepEqual(
      [priv.status, priv.stderr],
      [2, "tessera: privilege: invalid privilege 'VM.Fly'\n"],
    );
    const path = await runCli(
      '--store',
      store,
      'acl',
      'explain',
      'max@pve',
      '/vms/1:2',
      'VM.Audit',
    );
    assert.deepEqual(
      [path.status, path.stderr],
      [2, "tessera: path: invalid ACL path '/vms/1:2'\n"],
    );
  });

  it('says what is missing or wrong about the store', async () => {
    // Without --store, the default SQLite database in $TESSERA_DATA_DIR, created owner-only.
    const saved = process.env['TESSERA_DATA_DIR'];
    process.env['TESSERA_DATA_DIR'] = join(dir.path, 'data');
    try {
      const none = await runCli('config', 'check');
      assert.deepEqual([none.status, none.stdout], [0, 'configuration is valid\n']);
      assert.equal(statSync(join(dir.path, 'data', 'tessera.db')).mode & 0o777, 0o600);
    } finally {
      if (saved === undefined) delete process.env['TESSERA_DATA_DIR'];
      else process.env['TESSERA_DATA_DIR'] = saved;
    }
    const unknown = await runCli('--store', 'ftp://x', 'config', 'check');
    assert.deepEqual(
      [unknown.status, unknown.stderr],
      [
        2,
        "tessera: store: unknown store 'ftp://x': expected sqlite:<file>, " +
          'etcd://host:port[,host:port...], memory:, pve-dir:<dir>[?state=<file>]\n',
      ],
    );
    const missing = await runCli('--store', `pve-dir:${join(dir.path, 'nope')}`, 'config', 'check');
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /Proxmox configuration directory '.*nope' does not exist/);
  });

  it('rejects unknown commands and options', async () => {
    const command = await runCli('frobnicate');
    assert.equal(command.status, 2);
    assert.match(command.stderr, /^tessera: unknown command 'frobnicate'/);
    assert.doesNotMatch(command.stderr, /Did you mean/);
    // Typos get the nearest commands; a known group's other words get its commands.
    const typo = await runCli('usr', 'tfa', 'lst', 'alice@pve');
    assert.equal(typo.status, 2);
    assert.match(typo.stderr, /\nDid you mean: 'tessera user tfa list'\?\n/);
    assert.match((await runCli('explian', 'bob@pve')).stderr, /Did you mean: 'tessera explain'\?/);
    assert.match((await runCli('usr')).stderr, /Did you mean: 'tessera user'\?/);
    assert.match((await runCli('user', 'lst')).stderr, /Did you mean: 'tessera user list'\?/);
    assert.match((await runCli('user', 'frobnicate')).stderr, /Usage: tessera user <command>/);
    const option = await runCli('--store', store, 'config', 'check', '--frobnicate', '/');
    assert.equal(option.status, 2);
    assert.match(option.stderr, /^tessera: Unknown option '--frobnicate'/);
  });

  it('bin/tessera runs the command line as an executable', () => {
    const out = execFileSync(
      join(repoRoot, 'bin', 'tessera'),
      [
        '--store',
        store,
        '--output-format',
        'json',
        'user',
        'permissions',
        'joe@pve',
        '--path',
        '/vms',
      ],
      {
        encoding: 'utf8',
      },
    );
    assert.deepEqual(JSON.parse(out), {
      '/vms': { 'VM.Allocate': 1, 'VM.Audit': 1, 'VM.Console': 1 },
    });
    const help = spawnSync(join(repoRoot, 'bin', 'tessera'), ['--help'], { encoding: 'utf8' });
    assert.equal(help.status, 0);
    assert.match(help.stdout, /^Usage: tessera /);
  });
});

describe('tessera user tfa', () => {
  let dir: PveDir;
  let out: PveDir;
  let store: string;
  before(async () => {
    dir = makePveDir({
      'user.cfg': 'user:joe@pve:1:0:::::x:\nuser:ann@pve:1:0:::::x:\n',
      'domains.cfg': 'pve: pve\n\tcomment Built in\n',
      'priv/tfa.cfg':
        '{"users":{"joe@pve":{"yubico":[{"id":"y1","description":"key","created":1,"entry":"ccccccbcdefg"}],' +
        '"totp":[{"id":"t1","description":"phone","created":2,"entry":"otpauth://totp/x?secret=JBSWY3DPEHPK3PXP"}],' +
        '"totp-locked":true},"ann@pve":{"yubico":[{"id":"y2","created":3,"entry":"cccccccccccc"}]}}}',
    });
    out = makePveDir({});
    store = `sqlite:${join(out.path, 'tessera.db')}`;
    assert.equal((await runCli('--store', store, 'import', '--pve-dir', dir.path)).status, 0);
  });
  after(() => {
    dir.remove();
    out.remove();
  });

  it('lists, unlocks and deletes second factors, and clears the user.cfg marker', async () => {
    // pveum's list_tfa (pveum.pm): users sorted, each factor's type and id, then its
    // description (empty for none), a blank line between entries and between users.
    assert.deepEqual(await runCli('--store', store, 'user', 'tfa', 'list'), {
      status: 0,
      stdout:
        'ann@pve:\n    yubico:   y2\n        \n\n' +
        'joe@pve:\n    totp:     t1\n        phone\n\n    yubico:   y1\n        key\n',
      stderr: '',
    });
    assert.equal(
      (await runCli('--store', store, 'user', 'tfa', 'list', 'joe@pve')).stdout,
      'totp:     t1\n    phone\n\nyubico:   y1\n    key\n',
    );
    // As pveum: nothing printed, whether the user was locked or not.
    assert.deepEqual(await runCli('--store', store, 'user', 'tfa', 'unlock', 'joe@pve'), {
      status: 0,
      stdout: '',
      stderr: '',
    });
    assert.equal((await runCli('--store', store, 'user', 'tfa', 'unlock', 'joe@pve')).status, 0);
    const one = await runCli('--store', store, 'user', 'tfa', 'delete', 'joe@pve', '--id', 't1');
    assert.deepEqual([one.status, one.stdout], [0, '']);
    const unknown = await runCli(
      '--store',
      store,
      'user',
      'tfa',
      'delete',
      'joe@pve',
      '--id',
      'nope',
    );
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /no such entry/);
    assert.equal((await runCli('--store', store, 'user', 'tfa', 'delete', 'joe@pve')).status, 0);
    const json = await runCli('--store', store, '--output-format', 'json', 'user', 'tfa', 'list');
    assert.deepEqual(
      (JSON.parse(json.stdout) as { userid: string }[]).map((u) => u.userid),
      ['ann@pve'],
    );
    const exported = await runCli('--store', store, 'config', 'show', 'user.cfg');
    assert.match(exported.stdout, /^user:joe@pve:1:0::::::$/m);
    assert.match(exported.stdout, /^user:ann@pve:1:0:::::x:$/m);
  });
});
