/**
 * Importing a Proxmox directory after the first start of `serve`: into a store that holds only
 * what the first start created, the import needs no --replace and keeps the bootstrap
 * administrator (account, password, second factors, Administrator on /) unless the imported
 * configuration has its own admin@pve; anything more in the store is named and refused.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { hashPassword } from '../../src/auth/password.js';
import { parseUserId } from '../../src/model/ids.js';
import { bootstrap, isBootstrapPassword } from '../../src/services/bootstrap.js';
import { storeContext } from '../../src/services/context.js';
import { setPasswordHash, updateUser } from '../../src/services/users.js';
import type { ConfigStore } from '../../src/store/config-store.js';
import { openStore } from '../../src/store/open.js';
import { runCli } from '../support/cli.js';
import { makePveDir } from '../support/pve-dir.js';

const USER_CFG =
  'user:root@pam:1:0:::root@example.com:::\nuser:carol@pve:1:0::::::\n\n' +
  'group:ops:carol@pve::\n\n\nacl:1:/:@ops:PVEAuditor:\n';
const DOMAINS_CFG =
  'pve: pve\n\tcomment Proxmox VE authentication server\n\n' +
  'pam: pam\n\tcomment Linux PAM standard authentication\n\n';
const SHADOW_CFG = 'carol:$5$abcdefgh$0123456789012345678901234567890123456789012:\n';

describe('import after the first start', () => {
  const work = mkdtempSync(join(tmpdir(), 'tessera-first-import-'));
  const source = makePveDir({
    'user.cfg': USER_CFG,
    'domains.cfg': DOMAINS_CFG,
    'priv/shadow.cfg': SHADOW_CFG,
  });
  let stores = 0;
  after(() => {
    source.remove();
    rmSync(work, { recursive: true, force: true });
  });

  /** A store as the first start of serve leaves it, and the password it printed. */
  async function firstStart(): Promise<{ url: string; password: string; store: ConfigStore }> {
    const file = join(work, `store${String(++stores)}.db`);
    // As serve opens it: with its secrets sealed.
    const store = await openStore(`sqlite:${file}`);
    const password = (await bootstrap(storeContext(store))) ?? '';
    assert.notEqual(password, '');
    return { url: `sqlite:${file}`, password, store };
  }

  it('needs no --replace and keeps the bootstrap administrator', async () => {
    const { url, password, store } = await firstStart();
    try {
      const result = await runCli('--store', url, 'import', '--pve-dir', source.path);
      assert.equal(result.stderr, '');
      assert.equal(result.status, 0);
      assert.match(
        result.stdout,
        /^imported \d+ entities from .* at revision \d+\nkept the bootstrap administrator admin@pve \(Administrator on \/, same password\)\n$/,
      );
      const shown = await runCli('--store', url, 'config', 'show', 'user.cfg');
      assert.equal(
        shown.stdout,
        'user:admin@pve:1:0::::Bootstrap administrator::\n' +
          'user:carol@pve:1:0::::::\n' +
          'user:root@pam:1:0:::root@example.com:::\n\n' +
          'group:ops:carol@pve::\n\n\n\n' +
          'acl:1:/:admin@pve:Administrator:\nacl:1:/:@ops:PVEAuditor:\n',
      );
      assert.ok(await isBootstrapPassword(storeContext(store), password));
      const shadow = await runCli('--store', url, 'config', 'show', 'priv/shadow.cfg');
      assert.match(shadow.stdout, /^carol:\$5\$abcdefgh\$/m);
    } finally {
      await store.close();
    }
  });

  it('still counts a changed bootstrap password as the first start', async () => {
    const { url, store } = await firstStart();
    try {
      const ctx = storeContext(store);
      await setPasswordHash(ctx, parseUserId('admin@pve'), await hashPassword('changed it'));
      const result = await runCli('--store', url, 'import', '--pve-dir', source.path);
      assert.equal(result.status, 0, result.stderr);
      assert.ok(await isBootstrapPassword(ctx, 'changed it'));
    } finally {
      await store.close();
    }
  });

  it('names what is beyond the first start and refuses without --replace', async () => {
    const { url, store } = await firstStart();
    try {
      await updateUser(storeContext(store), parseUserId('admin@pve'), { email: 'a@example.com' });
      const before = await runCli('--store', url, 'config', 'show', 'user.cfg');
      const refused = await runCli('--store', url, 'import', '--pve-dir', source.path);
      assert.deepEqual(
        [refused.status, refused.stderr],
        [
          1,
          'tessera: store: the store holds a configuration beyond what the first start ' +
            'created (users/admin@pve): pass --replace to overwrite it\n',
        ],
      );
      const after = await runCli('--store', url, 'config', 'show', 'user.cfg');
      assert.equal(after.stdout, before.stdout);
      const replaced = await runCli(
        '--store',
        url,
        'import',
        '--pve-dir',
        source.path,
        '--replace',
      );
      assert.equal(replaced.status, 0, replaced.stderr);
      assert.match(replaced.stdout, /kept the bootstrap administrator admin@pve/);
    } finally {
      await store.close();
    }
  });

  it("lets an imported admin@pve win over the bootstrap administrator's", async () => {
    const { url, password, store } = await firstStart();
    const own = makePveDir({
      'user.cfg': 'user:admin@pve:1:0:::::Their admin:\n\n\n\nacl:1:/vms:admin@pve:PVEVMAdmin:\n',
      'priv/shadow.cfg': 'admin:$5$abcdefgh$0123456789012345678901234567890123456789012:\n',
    });
    try {
      const result = await runCli('--store', url, 'import', '--pve-dir', own.path);
      assert.equal(result.status, 0, result.stderr);
      assert.doesNotMatch(result.stdout, /kept the bootstrap administrator/);
      const shown = await runCli('--store', url, 'config', 'show', 'user.cfg');
      assert.match(shown.stdout, /^user:admin@pve:1:0:::::Their admin:$/m);
      assert.doesNotMatch(shown.stdout, /acl:1:\/:admin@pve:Administrator:/);
      assert.ok(!(await isBootstrapPassword(storeContext(store), password)));
    } finally {
      own.remove();
      await store.close();
    }
  });
});
