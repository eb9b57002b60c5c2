/**
 * `tessera import` and `tessera export` against a directory of files as Proxmox VE wrote them
 * (the state of api-flows.json after its realm changes), through the command line and a real
 * SQLite store.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { verifyTokenSecret } from '../../src/auth/token-secret.js';
import { openStore } from '../../src/store/open.js';
import { runCli } from '../support/cli.js';
import { readConformanceJson } from '../support/conformance.js';
import { makePveDir } from '../support/pve-dir.js';

interface Flows {
  readonly files: Record<string, string>;
  readonly steps: readonly { result: { changed_files?: Record<string, string | null> } }[];
}

/** The files as Proxmox left them after `count` api-flows steps. */
function proxmoxFiles(count: number): Record<string, string> {
  const flows = readConformanceJson<Flows>('pve-access-control', 'generated', 'api-flows.json');
  const files: Record<string, string> = {};
  for (const name of ['user.cfg', 'domains.cfg', 'priv/shadow.cfg', 'priv/token.cfg'])
    files[name] = flows.files[name] ?? '';
  for (const step of flows.steps.slice(0, count)) {
    for (const [name, text] of Object.entries(step.result.changed_files ?? {}))
      if (name in files && text !== null) files[name] = text;
  }
  return files;
}

// api-flows stubs tfa.cfg; this one has the shape Proxmox writes, users in hash order.
const TFA_CFG =
  '{"users":{"bob@pve":{"yubico":[{"id":"3f1c9a5e-0000-4000-8000-000000000003","description":"key","created":1699990300,"entry":"ccccccbcdefg"}]},' +
  '"alice@pve":{"totp":[{"id":"3f1c9a5e-0000-4000-8000-000000000001","description":"phone","created":1699990000,' +
  '"entry":{"totp":"otpauth://totp/Proxmox:alice%40pve?secret=JBSWY3DPEHPK3PXP&digits=6&algorithm=SHA1&period=30&issuer=Proxmox","last-count":56666667}}],' +
  '"recovery":{"secret":"0123456789abcdef","entries":["fd37d359ffbd1fce921035c09a386ae02e67c6e39ea3b8f608777daed41756c4",null],"created":1699990200},' +
  '"totp-locked":true,"tfa-locked-until":4102444800}}}';

const TOKEN_SECRET = '11111111-2222-4333-8444-555555555555';

describe('import and export of a Proxmox directory', () => {
  const work = mkdtempSync(join(tmpdir(), 'tessera-transfer-'));
  const files = {
    ...proxmoxFiles(87),
    'priv/tfa.cfg': TFA_CFG,
    'priv/realm/corp.pw': 'bind secret',
  };
  const source = makePveDir(files);
  const db = join(work, 'tessera.db');
  const store = `sqlite:${db}`;
  after(() => {
    source.remove();
    rmSync(work, { recursive: true, force: true });
  });

  it('imports every file in one transaction', async () => {
    const result = await runCli('--store', store, 'import', '--pve-dir', source.path);
    assert.equal(result.stderr, '');
    assert.equal(result.status, 0);
    assert.match(result.stdout, /^imported \d+ entities from .* at revision 1\n$/);
  });

  it('keeps token secrets only as salted hashes', async () => {
    const sqlite = await openStore(store);
    try {
      const entry = (await sqlite.snapshot()).entries.get('secrets/tokens/alice@pve!ci');
      assert.ok(entry);
      const { secret } = JSON.parse(entry.value) as { secret: string };
      assert.match(secret, /^\$hmac-sha256\$/);
      assert.ok(verifyTokenSecret(secret, TOKEN_SECRET));
      assert.ok(!verifyTokenSecret(secret, TOKEN_SECRET.replace('5', '6')));
    } finally {
      await sqlite.close();
    }
    for (const file of [db, `${db}-wal`]) {
      if (!existsSync(file)) continue;
      const bytes = readFileSync(file).toString('latin1');
      assert.ok(!bytes.includes(TOKEN_SECRET), `${file} holds the plain secret`);
    }
  });

  it('answers permission queries from the store as from the files', async () => {
    for (const args of [
      ['user', 'permissions', 'bob@pve'],
      ['acl', 'explain', 'frank@corp', '/vms/300', 'VM.Console'],
    ]) {
      const fromStore = await runCli('--store', store, ...args);
      const fromFiles = await runCli('--store', `pve-dir:${source.path}`, ...args);
      assert.equal(fromStore.status, fromFiles.status);
      assert.equal(fromStore.stdout, fromFiles.stdout);
    }
  });

  it('exports identical files, except the token secrets it cannot recover', async () => {
    const target = join(work, 'export');
    const result = await runCli('--store', store, 'export', '--pve-dir', target);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stderr, /secrets of 1 API token\(s\) are stored hashed .*alice@pve!ci/);
    for (const [name, text] of Object.entries(files)) {
      const exported = readFileSync(join(target, name), 'utf8');
      if (name === 'priv/token.cfg') assert.equal(exported, '');
      else assert.equal(exported, text, name);
    }
    assert.equal(statSync(join(target, 'priv', 'shadow.cfg')).mode & 0o777, 0o600);
    assert.equal(statSync(join(target, 'priv', 'realm', 'corp.pw')).mode & 0o777, 0o600);
  });

  it('does not overwrite an existing export without --force', async () => {
    const target = join(work, 'export');
    const refused = await runCli('--store', store, 'export', '--pve-dir', target);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /exists: pass --force/);
    const forced = await runCli('--store', store, 'export', '--pve-dir', target, '--force');
    assert.equal(forced.status, 0);
  });

  it('refuses to import over a configuration unless told to replace it', async () => {
    const smaller = makePveDir({ 'user.cfg': 'user:solo@pve:1:0::::::\n' });
    const usersBefore = async (): Promise<string[]> => {
      const sqlite = await openStore(store);
      try {
        return [...(await sqlite.snapshot()).entries.keys()]
          .filter((key) => key.startsWith('users/'))
          .map((key) => key.slice('users/'.length));
      } finally {
        await sqlite.close();
      }
    };
    const replacedUsers = await usersBefore();
    try {
      const refused = await runCli('--store', store, 'import', '--pve-dir', smaller.path);
      assert.equal(refused.status, 1);
      assert.match(
        refused.stderr,
        /holds a configuration beyond what the first start created \(acl\/\/, .*, and \d+ more\): pass --replace/,
      );
      const replaced = await runCli(
        '--store',
        store,
        'import',
        '--pve-dir',
        smaller.path,
        '--replace',
      );
      assert.equal(replaced.status, 0, replaced.stderr);
      const shown = await runCli('--store', store, 'config', 'show', 'user.cfg');
      assert.equal(shown.stdout, 'user:root@pam:1:0::::::\nuser:solo@pve:1:0::::::\n\n\n\n\n');
      // Every user of the replaced configuration is logged out everywhere.
      const sqlite = await openStore(store);
      try {
        const keys = new Set((await sqlite.snapshot()).entries.keys());
        assert.ok(replacedUsers.length > 1);
        for (const userid of replacedUsers) assert.ok(keys.has(`sessions/${userid}`), userid);
      } finally {
        await sqlite.close();
      }
    } finally {
      smaller.remove();
    }
  });

  it('imports nothing when a file has errors, and names file and line', async () => {
    const broken = makePveDir({
      'user.cfg': 'user:ok@pve:1:0::::::\nuser:bad:name@pve:1:0::::::\n',
      'priv/token.cfg': 'garbage\n',
    });
    const empty = `sqlite:${join(work, 'empty.db')}`;
    try {
      const result = await runCli('--store', empty, 'import', '--pve-dir', broken.path);
      assert.equal(result.status, 1);
      assert.match(result.stderr, /nothing imported: 2 error\(s\)/);
      assert.match(result.stderr, /user\.cfg:2: error: /);
      assert.match(result.stderr, /priv\/token\.cfg:1: error: /);
      const shown = await runCli('--store', empty, 'config', 'show', 'user.cfg');
      assert.equal(shown.stdout, '\n\n\n\n');
    } finally {
      broken.remove();
    }
  });

  it('refuses a crypt hash with more rounds than Tessera verifies, naming the user', async () => {
    const costly = makePveDir({
      'user.cfg': 'user:heavy@pve:1:0::::::\nuser:light@pve:1:0::::::\n',
      'priv/shadow.cfg':
        'light:$5$rounds=10000$saltsalt$zoVzFxtD/FUIWmi1BdjqRCHLUq8RVIwaCrFcb2X8/B9:\n' +
        'heavy:$6$rounds=999999999$saltsalt$hRM5XZ86KXEw9UOmjigeVqFgULtFB2sgpC9lXQDfMib3Zgw7mEiUvBJI2EplzfAqxL5Vvwp2scFtv/uamSo5z0:\n',
    });
    const fresh = `sqlite:${join(work, 'rounds.db')}`;
    try {
      const result = await runCli('--store', fresh, 'import', '--pve-dir', costly.path);
      assert.equal(result.status, 1);
      assert.match(result.stderr, /nothing imported: 1 error\(s\)/);
      assert.match(
        result.stderr,
        /priv\/shadow\.cfg:2: error: ignore password of user 'heavy@pve': password hash has rounds=999999999, above Tessera's limit of 100000/,
      );
    } finally {
      costly.remove();
    }
  });
});
