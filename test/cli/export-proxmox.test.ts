/**
 * The command line's side of exports Proxmox can use: `config get`/`config set
 * password-hash`, `export` refusing argon2id hashes (exit 1, naming the users and the way out)
 * unless `--allow-lockout`, and the token warning whose pveum command the real pveum runs on
 * the exported directory.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { hashPassword } from '../../src/auth/password.js';
import { runCli } from '../support/cli.js';
import { makePveDir } from '../support/pve-dir.js';
import { runPveumLocally } from '../support/pveum-local.js';

describe('export for Proxmox on the command line', async () => {
  const work = mkdtempSync(join(tmpdir(), 'tessera-export-cli-'));
  const store = `sqlite:${join(work, 'tessera.db')}`;
  const source = makePveDir({
    'user.cfg': 'user:alice@pve:1:0::::::\nuser:bob@pve:1:0::::::\ntoken:alice@pve!ci:0:1::\n',
    'domains.cfg': 'pve: pve\n\tcomment Proxmox VE authentication server\n',
    'priv/shadow.cfg':
      'alice:$5$fixedsalt$Mwah3bMSwvvaEV0hlWPoarnUvDU5s/ycQSAQL5.y0t6:\n' +
      `bob:${await hashPassword('bob password')}:\n`,
    'priv/token.cfg': 'alice@pve!ci 11111111-2222-4333-8444-555555555555\n',
  });
  after(() => {
    source.remove();
    rmSync(work, { recursive: true, force: true });
  });

  it('imports, and shows the default password-hash setting', async () => {
    const imported = await runCli('--store', store, 'import', '--pve-dir', source.path);
    assert.equal(imported.status, 0, imported.stderr);
    const all = await runCli('--store', store, 'config', 'get');
    assert.deepEqual(all, { status: 0, stdout: 'password-hash argon2id\n', stderr: '' });
  });

  it('refuses to export an argon2id hash, naming its user and the way out', async () => {
    const refused = await runCli('--store', store, 'export', '--pve-dir', join(work, 'a'));
    assert.equal(refused.status, 1);
    assert.match(
      refused.stderr,
      /^tessera: priv\/shadow\.cfg: nothing exported: Proxmox cannot verify the password hashes of 1 user\(s\), which Tessera hashed with argon2id: bob@pve\. .*tessera config set password-hash sha512-crypt.*--allow-lockout/,
    );
  });

  it('exports with --allow-lockout, warning, and names the pveum command for each token', async () => {
    const dir = join(work, 'b');
    const result = await runCli('--store', store, 'export', '--pve-dir', dir, '--allow-lockout');
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stderr, /warning: priv\/shadow\.cfg: .*: bob@pve\./);
    assert.match(
      result.stderr,
      /warning: priv\/token\.cfg: the secrets of 1 API token\(s\) are stored hashed and cannot be exported \(alice@pve!ci\); Proxmox will refuse them until they are regenerated on a Proxmox node and the clients are given the new secrets: pveum user token modify alice@pve ci --regenerate 1\n/,
    );
    // The command, as the warning words it, on the exported directory with the real pveum.
    const [regenerated] = runPveumLocally(dir, [
      ['user', 'token', 'modify', 'alice@pve', 'ci', '--regenerate', '1'],
    ]);
    assert.equal(regenerated?.status, 0, regenerated?.stderr);
    assert.match(readFileSync(join(dir, 'priv', 'token.cfg'), 'utf8'), /^alice@pve!ci \S+$/m);
  });

  it('sets password-hash, refusing values it does not know', async () => {
    const bad = await runCli('--store', store, 'config', 'set', 'password-hash', 'md5');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown password hash 'md5': expected one of argon2id, sha512-crypt/);
    const unknown = await runCli('--store', store, 'config', 'set', 'colour', 'blue');
    assert.notEqual(unknown.status, 0);
    assert.match(unknown.stderr, /unknown setting 'colour': expected password-hash/);
    const set = await runCli('--store', store, 'config', 'set', 'password-hash', 'sha512-crypt');
    assert.equal(set.status, 0, set.stderr);
    const one = await runCli('--store', store, 'config', 'get', 'password-hash');
    assert.deepEqual(one, { status: 0, stdout: 'sha512-crypt\n', stderr: '' });
  });

  it('keeps the setting through an import that replaces the configuration', async () => {
    const again = await runCli('--store', store, 'import', '--pve-dir', source.path, '--replace');
    assert.equal(again.status, 0, again.stderr);
    const one = await runCli('--store', store, 'config', 'get', 'password-hash');
    assert.equal(one.stdout, 'sha512-crypt\n');
  });
});
