/**
 * `--store pve-dir:<dir>` alone: a node's /etc/pve read and written live, Tessera's own keys
 * in `pve-state.db` in the data directory. Commands that only read write nothing, neither in
 * the directory nor beside it; the first change creates the sidecar; passwords are kept as
 * Proxmox checks them, without a setting.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseUserId } from '../../src/model/ids.js';
import { storeContext } from '../../src/services/context.js';
import { changePassword } from '../../src/services/users.js';
import { openStore } from '../../src/store/open.js';
import { runCli } from '../support/cli.js';
import { proxmoxPasswordCheck } from '../support/pve-auth.js';
import { useTemporaryDataDir, type TemporaryDataDir } from '../support/data-dir.js';
import { makePveDir, type PveDir } from '../support/pve-dir.js';

const USER_CFG =
  'user:root@pam:1:0::::::\nuser:alice@pve:1:0::::::\n\n' +
  'group:ops:alice@pve::\n\nacl:1:/:@ops:PVEAuditor:\n\n';
const DOMAINS_CFG =
  'pam: pam\n\tcomment Linux PAM standard authentication\n\n' +
  'pve: pve\n\tcomment Proxmox VE authentication server\n\n';

/** Every directory and file below `dir`, the files with their size and modification time. */
function tree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (path: string): void => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) {
        out.set(relative(dir, full), 'directory');
        walk(full);
        continue;
      }
      const stat = statSync(full);
      out.set(relative(dir, full), `${String(stat.size)} ${String(stat.mtimeMs)}`);
    }
  };
  walk(dir);
  return out;
}

describe('--store pve-dir:<dir> without state=', () => {
  let dir: PveDir;
  let data: TemporaryDataDir;
  let dataDir: string;
  let store: string;
  before(() => {
    dir = makePveDir({ 'user.cfg': USER_CFG, 'domains.cfg': DOMAINS_CFG });
    // As on every node: doctor's write check takes a lock there and leaves it as it was.
    mkdirSync(join(dir.path, 'priv', 'lock'), { recursive: true });
    store = `pve-dir:${dir.path}`;
    data = useTemporaryDataDir();
    dataDir = data.path;
  });
  after(() => {
    dir.remove();
    data.remove();
  });

  it('writes nothing for commands that only read', async () => {
    const before = tree(dir.path);
    for (const argv of [
      ['config', 'check'],
      ['config', 'show', 'user.cfg'],
      ['config', 'get', 'password-hash'],
      ['user', 'list'],
      ['user', 'permissions', 'alice@pve'],
      ['group', 'list'],
      ['changes'],
      ['audit'],
      ['doctor'],
    ]) {
      const result = await runCli('--store', store, ...argv);
      // audit and doctor exit 1 on their findings; what counts here is what they leave behind.
      assert.ok(result.status <= 1, `${argv.join(' ')}: ${result.stderr}`);
    }
    assert.deepEqual(tree(dir.path), before);
    assert.deepEqual(readdirSync(dataDir), []);
  });

  it('writes a change into the Proxmox file and creates the sidecar for its audit event', async () => {
    const result = await runCli(
      '--store',
      store,
      'user',
      'add',
      'bob@pve',
      '--comment',
      'from tessera',
      '--groups',
      'ops',
    );
    assert.equal(result.status, 0, result.stderr);
    const userCfg = readFileSync(join(dir.path, 'user.cfg'), 'utf8');
    assert.match(userCfg, /^user:bob@pve:1:0::::from tessera::$/m);
    assert.match(userCfg, /^group:ops:alice@pve,bob@pve::$/m);
    assert.ok(existsSync(join(dataDir, 'pve-state.db')));
    const events = await runCli('--store', store, 'changes', '--output-format', 'json');
    assert.equal(events.status, 0, events.stderr);
    assert.match(events.stdout, /bob@pve/);
  });

  it('keeps passwords as Proxmox checks them: password-hash is sha512-crypt and stays so', async () => {
    const get = await runCli('--store', store, 'config', 'get', 'password-hash');
    assert.equal(get.stdout.trim(), 'sha512-crypt');
    const userCfg = readFileSync(join(dir.path, 'user.cfg'), 'utf8');
    const refused = await runCli('--store', store, 'config', 'set', 'password-hash', 'argon2id');
    assert.notEqual(refused.status, 0);
    assert.match(
      refused.stderr,
      /password-hash: live on a Proxmox directory it stays sha512-crypt/,
    );
    const again = await runCli('--store', store, 'config', 'set', 'password-hash', 'sha512-crypt');
    assert.equal(again.status, 0, again.stderr);
    assert.equal(readFileSync(join(dir.path, 'user.cfg'), 'utf8'), userCfg);

    const live = await openStore(store);
    try {
      await changePassword(
        storeContext(live),
        parseUserId('alice@pve'),
        'alice live 12',
        undefined,
      );
    } finally {
      await live.close();
    }
    assert.match(
      readFileSync(join(dir.path, 'priv', 'shadow.cfg'), 'utf8'),
      /^alice:\$6\$rounds=/m,
    );
    assert.deepEqual(
      proxmoxPasswordCheck(dir.path, [{ user: 'alice@pve', password: 'alice live 12' }]),
      ['ok'],
    );
  });
});
