/**
 * pveum commands with --remote against a real `tessera serve` over HTTPS (its self-signed
 * certificate pinned by fingerprint), authenticated with an API token from the environment
 * or a file: they change and list what the local mode does and print the very same bytes,
 * refusals included. A certificate that is not the pinned one is refused before the token
 * leaves the machine; a stand-in server with the same certificate counts the requests it
 * gets, so that the test can tell "refused before" from "refused after".
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { runCli, type CliResult } from '../support/cli.js';
import { freePort, start, stop } from '../support/serve.js';

const ENV_NAMES = [
  'TESSERA_API_TOKEN',
  'TESSERA_API_TOKEN_FILE',
  'TESSERA_REMOTE_FINGERPRINT',
] as const;

describe('pveum commands with --remote', { timeout: 120_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-remote-'));
  const store = `sqlite:${join(dataDir, 'tessera.db')}`;
  let server: ReturnType<typeof start> | undefined;
  let url = '';
  let fingerprint = '';
  let rootToken = '';
  const saved = new Map<string, string | undefined>();

  const local = (...args: string[]): Promise<CliResult> => runCli('--store', store, ...args);
  /** A remote command with root@pam's token in $TESSERA_API_TOKEN, the certificate pinned. */
  const remote = (...args: string[]): Promise<CliResult> =>
    withEnv({ TESSERA_API_TOKEN: rootToken }, () =>
      runCli('--remote', url, '--fingerprint', fingerprint, ...args),
    );

  before(async () => {
    for (const name of ENV_NAMES) {
      saved.set(name, process.env[name]);
      Reflect.deleteProperty(process.env, name);
    }
    const port = await freePort();
    server = start(dataDir, port);
    await server.ready;
    url = `https://127.0.0.1:${String(port)}`;
    fingerprint = new X509Certificate(readFileSync(join(dataDir, 'tessera.crt'))).fingerprint256;
    // Made on the node, on the store the server runs on, as an administrator would.
    const made = await local(
      'user',
      'token',
      'add',
      'root@pam',
      'cli',
      '--privsep',
      '0',
      '--output-format',
      'json',
    );
    assert.equal(made.status, 0, made.stderr);
    const token = JSON.parse(made.stdout) as { 'full-tokenid': string; value: string };
    rootToken = `${token['full-tokenid']}=${token.value}`;
    // The server sees the store's changes when it next looks: wait until it knows the token.
    for (let tries = 0; (await remote('role', 'list')).status !== 0; tries++) {
      assert.ok(tries < 100, 'the server never accepted the token');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
  after(async () => {
    for (const [name, value] of saved)
      if (value === undefined) Reflect.deleteProperty(process.env, name);
      else process.env[name] = value;
    if (server) assert.equal(await stop(server.child), 0);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('adds, modifies, lists and deletes users, groups, roles, ACLs and tokens', async () => {
    const changes: string[][] = [
      ['group', 'add', 'ops', '--comment', 'Operators ü & co'],
      ['role', 'add', 'Watcher', '--privs', 'VM.Audit,Sys.Audit'],
      [
        'user',
        'add',
        'dora@pve',
        '--comment',
        'made remotely',
        '--groups',
        'ops',
        '--email',
        'dora@example.com',
      ],
      ['user', 'modify', 'dora@pve', '--enable', '0', '--expire', '4102444800'],
      ['user', 'modify', 'dora@pve', '--enable', 'yes', '--firstname', 'Dö ra'],
      [
        'acl',
        'modify',
        '/vms/100',
        '--roles',
        'Watcher',
        '--users',
        'dora@pve',
        '--propagate',
        '0',
      ],
      ['acl', 'modify', '/storage/local', '--roles', 'PVEAuditor', '--groups', 'ops'],
      ['role', 'modify', 'Watcher', '--privs', 'Datastore.Audit', '--append'],
      ['group', 'modify', 'ops', '--comment', 'Operators'],
      ['user', 'add', 'gone@pve'],
      ['user', 'delete', 'gone@pve'],
    ];
    for (const args of changes) {
      const run = await remote(...args);
      assert.deepEqual([run.status, run.stderr, run.stdout], [0, '', ''], args.join(' '));
    }
    const token = await remote('user', 'token', 'add', 'dora@pve', 'ci', '--comment', 'CI');
    assert.equal(token.status, 0, token.stderr);
    assert.match(token.stdout, /│ full-tokenid │ dora@pve!ci/);
    assert.match(token.stdout, /│ value\s+│ [0-9a-f-]{36} │/);
    const modified = await remote('user', 'token', 'modify', 'dora@pve', 'ci', '--privsep', '0');
    assert.equal(modified.status, 0, modified.stderr);

    const lists: string[][] = [
      ['user', 'list'],
      ['user', 'list', '--full', '--output-format', 'json'],
      ['group', 'list'],
      ['role', 'list', '--noborder'],
      ['acl', 'list'],
      ['user', 'token', 'list', 'dora@pve', '--output-format', 'yaml'],
      ['user', 'permissions', 'dora@pve'],
      ['realm', 'list'],
    ];
    for (const args of lists) {
      const here = await local(...args);
      const there = await remote(...args);
      assert.equal(here.status, 0, here.stderr);
      assert.deepEqual(there, here, args.join(' '));
    }
    const users = await remote('user', 'list', '--output-format', 'json');
    const listed = JSON.parse(users.stdout) as Record<string, unknown>[];
    const dora = listed.find((u) => u['userid'] === 'dora@pve');
    assert.deepEqual(
      [dora?.['enable'], dora?.['firstname'], dora?.['expire']],
      [1, 'Dö ra', 4102444800],
    );
    assert.equal(
      listed.some((u) => u['userid'] === 'gone@pve'),
      false,
    );

    for (const args of [
      ['user', 'token', 'delete', 'dora@pve', 'ci'],
      ['acl', 'delete', '/storage/local', '--roles', 'PVEAuditor', '--groups', 'ops'],
      ['role', 'delete', 'Watcher'],
      ['group', 'delete', 'ops'],
      ['user', 'delete', 'dora@pve'],
    ]) {
      const run = await remote(...args);
      assert.equal(run.status, 0, `${args.join(' ')}: ${run.stderr}`);
    }
    for (const args of [
      ['user', 'list'],
      ['group', 'list'],
      ['acl', 'list'],
    ])
      assert.deepEqual(await remote(...args), await local(...args), args.join(' '));
  });

  it('prints refusals as the local mode does', async () => {
    const cases: string[][] = [
      ['user', 'add', 'eve@pve', '--email', 'not an address', '--expire', 'soon'],
      ['user', 'modify', 'nobody@pve', '--comment', 'x'],
      ['group', 'add', 'no such/group'],
      ['user', 'modify', 'root@pam', '--enable', 'maybe'],
      ['role', 'add', 'Bad', '--privs', 'No.Such'],
      ['acl', 'modify', '/', '--roles', 'NoSuchRole', '--users', 'root@pam'],
    ];
    for (const args of cases) {
      const here = await local(...args);
      const there = await remote(...args);
      assert.equal(here.status, 255, args.join(' '));
      assert.deepEqual(there, here, args.join(' '));
    }
    const invalid = await remote('user', 'add', 'eve@pve', '--email', 'not an address');
    assert.match(invalid.stderr, /^400 Parameter verification failed\.\nemail: /);
  });

  it('takes the token from a file and the fingerprint from the environment', async () => {
    const file = join(dataDir, 'token');
    writeFileSync(file, `${rootToken}\n`, { mode: 0o600 });
    const expected = await local('group', 'list');
    const byOption = await withEnv({ TESSERA_REMOTE_FINGERPRINT: fingerprint }, () =>
      runCli('--remote', url, '--token-file', file, 'group', 'list'),
    );
    assert.deepEqual(byOption, expected);
    const byEnv = await withEnv(
      { TESSERA_API_TOKEN_FILE: file, TESSERA_REMOTE_FINGERPRINT: fingerprint.toLowerCase() },
      () => runCli('--remote', url, 'group', 'list'),
    );
    assert.deepEqual(byEnv, expected);
  });

  it('refuses without a token, and shows the server refusing a token without privileges', async () => {
    const none = await runCli('--remote', url, '--fingerprint', fingerprint, 'user', 'list');
    assert.equal(none.status, 255);
    assert.match(none.stderr, /--remote needs an API token: set TESSERA_API_TOKEN=/);

    assert.equal((await remote('user', 'add', 'pat@pve')).status, 0);
    const made = await remote(
      'user',
      'token',
      'add',
      'pat@pve',
      'ro',
      '--privsep',
      '0',
      '--output-format',
      'json',
    );
    const token = JSON.parse(made.stdout) as { 'full-tokenid': string; value: string };
    const denied = await withEnv(
      { TESSERA_API_TOKEN: `${token['full-tokenid']}=${token.value}` },
      () => runCli('--remote', url, '--fingerprint', fingerprint, 'group', 'add', 'pats'),
    );
    assert.deepEqual(
      [denied.status, denied.stdout, denied.stderr],
      [255, '', '403 Permission check failed (/access/groups, Group.Allocate)\n'],
    );
    const wrong = await withEnv({ TESSERA_API_TOKEN: `${token['full-tokenid']}=0000` }, () =>
      runCli('--remote', url, '--fingerprint', fingerprint, 'user', 'list'),
    );
    assert.deepEqual([wrong.status, wrong.stderr], [255, '401 Authentication failed!\n']);
    assert.equal((await remote('user', 'delete', 'pat@pve')).status, 0);
  });

  it('never takes the token from the command line', async () => {
    const run = await remote('user', 'list', '--token', rootToken);
    assert.equal(run.status, 255);
    assert.match(run.stderr, /^Unknown option: token\n400 unable to parse option\n/);
    assert.doesNotMatch(run.stderr, new RegExp(rootToken.replace(/[!.]/g, '\\$&')));
  });

  it('refuses plain http://, an unpinned self-signed certificate and a wrong fingerprint', async () => {
    const plain = await withEnv({ TESSERA_API_TOKEN: rootToken }, () =>
      runCli('--remote', url.replace('https:', 'http:'), 'user', 'list'),
    );
    assert.equal(plain.status, 255);
    assert.match(plain.stderr, /only https:\/\//);
    const unpinned = await withEnv({ TESSERA_API_TOKEN: rootToken }, () =>
      runCli('--remote', url, 'user', 'list'),
    );
    assert.equal(unpinned.status, 255);
    assert.match(unpinned.stderr, /self-signed certificate/);

    // A stand-in with the server's own certificate: it counts what reaches it.
    const seen: string[] = [];
    const standIn = createServer(
      {
        cert: readFileSync(join(dataDir, 'tessera.crt')),
        key: readFileSync(join(dataDir, 'tessera.key')),
      },
      (req, res) => {
        seen.push(req.headers.authorization ?? '');
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"data":[]}');
      },
    );
    const port = await listen(standIn);
    const standInUrl = `https://127.0.0.1:${String(port)}`;
    try {
      const wrongPrint = `${fingerprint.slice(0, -2)}${fingerprint.endsWith('00') ? '11' : '00'}`;
      const refused = await withEnv({ TESSERA_API_TOKEN: rootToken }, () =>
        runCli('--remote', standInUrl, '--fingerprint', wrongPrint, 'user', 'list'),
      );
      assert.equal(refused.status, 255);
      assert.match(refused.stderr, /certificate fingerprint is [0-9A-F:]+, not the one given/);
      assert.deepEqual(seen, [], 'no request reached the server');
      const pinned = await withEnv({ TESSERA_API_TOKEN: rootToken }, () =>
        runCli('--remote', standInUrl, '--fingerprint', fingerprint, 'user', 'list'),
      );
      assert.equal(pinned.status, 0, pinned.stderr);
      assert.deepEqual(seen, [`PVEAPIToken=${rootToken}`]);
    } finally {
      await new Promise((resolve) => standIn.close(resolve));
    }
  });
});

async function withEnv<T>(env: Record<string, string>, run: () => Promise<T>): Promise<T> {
  const before = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  try {
    return await run();
  } finally {
    for (const [name, value] of Object.entries(before))
      if (value === undefined) Reflect.deleteProperty(process.env, name);
      else process.env[name] = value;
  }
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : 0);
    });
  });
}
