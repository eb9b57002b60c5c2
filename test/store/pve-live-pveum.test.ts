/**
 * Tessera and the real pveum changing the same /etc/pve-like directory at the same time:
 * pveum with pmxcfs's lock directories and atomic writes (test/support/pveum-pmxcfs.ts),
 * Tessera's services on the live `pve-dir:` store. Nothing is lost (every change of both is
 * in user.cfg at the end), nothing is torn (every read of user.cfg during the run parses
 * without an error), and each side sees the other's changes: Tessera's snapshot within a
 * second, pveum on its next read.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseUserCfg } from '../../src/formats/user-cfg.js';
import { parseGroupId, parseUserId } from '../../src/model/ids.js';
import { liveContext } from '../../src/services/context.js';
import { createGroup } from '../../src/services/groups.js';
import { createUser, updateUser } from '../../src/services/users.js';
import type { AccessSnapshot } from '../../src/store/snapshot.js';
import { LiveAccess } from '../../src/store/live.js';
import { openStore } from '../../src/store/open.js';
import { useTemporaryDataDir } from '../support/data-dir.js';
import { makePveDir } from '../support/pve-dir.js';
import { runPveumPmxcfs } from '../support/pveum-pmxcfs.js';

const N = 12;
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Resolves with the first snapshot `test` accepts, or fails after `ms`. */
async function seenWithin(
  live: LiveAccess,
  ms: number,
  test: (snapshot: AccessSnapshot) => boolean,
): Promise<number> {
  const started = Date.now();
  while (!test(live.snapshot)) {
    if (Date.now() - started > ms) assert.fail(`not seen within ${String(ms)} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return Date.now() - started;
}

describe('pve-dir live store next to pveum', () => {
  const dir = makePveDir({
    'user.cfg': 'user:root@pam:1:0::::::\n',
    'domains.cfg':
      'pam: pam\n\tcomment Linux PAM standard authentication\n\n' +
      'pve: pve\n\tcomment Proxmox VE authentication server\n\n',
  });
  // The store as `--store pve-dir:<dir>` opens it: Tessera's own keys in the data directory.
  const data = useTemporaryDataDir();
  const dataDir = data.path;
  after(() => {
    dir.remove();
    data.remove();
  });

  it('loses nothing, tears nothing, and each side sees the other', async () => {
    const store = await openStore(`pve-dir:${dir.path}`);
    const live = await LiveAccess.open(store);
    const ctx = liveContext(live);
    try {
      // Every read of user.cfg while both write: it parses, and no user once seen vanishes.
      const run = { reading: true };
      let reads = 0;
      const seenUsers = new Set<string>();
      const reader = (async () => {
        while (run.reading) {
          const parsed = parseUserCfg(readFileSync(join(dir.path, 'user.cfg'), 'utf8'));
          assert.deepEqual(parsed.diagnostics, []);
          const users = new Set<string>(parsed.value.users.keys());
          for (const user of seenUsers) assert.ok(users.has(user), `${user} vanished`);
          for (const user of users) seenUsers.add(user);
          reads++;
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
      })();

      // Two pveum processes and Tessera's services, all at once.
      const [pveumA, pveumB] = await Promise.all([
        runPveumPmxcfs(
          dir.path,
          range(N).map((i) => ['user', 'add', `pa${String(i)}@pve`, '--comment', 'pveum']),
        ),
        runPveumPmxcfs(
          dir.path,
          range(N).map((i) => ['group', 'add', `pg${String(i)}`]),
        ),
        (async () => {
          for (const i of range(N)) {
            await createUser(ctx, { userid: parseUserId(`t${String(i)}@pve`) });
            await createGroup(ctx, parseGroupId(`tg${String(i)}`));
          }
        })(),
      ]);
      run.reading = false;
      await reader;
      assert.ok(reads > 10, `only ${String(reads)} reads of user.cfg`);
      for (const outcome of [...pveumA, ...pveumB])
        assert.deepEqual(outcome, { status: 0, stdout: '', stderr: '' });

      // Nothing lost: every change of both sides is in the file.
      const final = parseUserCfg(readFileSync(join(dir.path, 'user.cfg'), 'utf8'));
      assert.deepEqual(final.diagnostics, []);
      for (const i of range(N)) {
        assert.ok(final.value.users.has(parseUserId(`pa${String(i)}@pve`)), `pa${String(i)}`);
        assert.ok(final.value.users.has(parseUserId(`t${String(i)}@pve`)), `t${String(i)}`);
        assert.ok(final.value.groups.has(parseGroupId(`pg${String(i)}`)), `pg${String(i)}`);
        assert.ok(final.value.groups.has(parseGroupId(`tg${String(i)}`)), `tg${String(i)}`);
      }

      // Tessera sees pveum's changes within a second.
      await seenWithin(live, 1000, (s) =>
        range(N).every(
          (i) =>
            s.users.users.has(parseUserId(`pa${String(i)}@pve`)) &&
            s.users.groups.has(parseGroupId(`pg${String(i)}`)),
        ),
      );
      const [modified] = await runPveumPmxcfs(dir.path, [
        ['user', 'modify', 't0@pve', '--comment', 'set by pveum'],
      ]);
      assert.equal(modified?.status, 0);
      await seenWithin(
        live,
        1000,
        (s) => s.users.users.get(parseUserId('t0@pve'))?.comment === 'set by pveum',
      );

      // pveum sees Tessera's on its next read.
      await updateUser(ctx, parseUserId('pa0@pve'), { comment: 'set by tessera' });
      const [listed] = await runPveumPmxcfs(dir.path, [
        ['user', 'list', '--output-format', 'json'],
      ]);
      const users = JSON.parse(listed?.stdout ?? '[]') as { userid: string; comment?: string }[];
      assert.equal(users.find((u) => u.userid === 'pa0@pve')?.comment, 'set by tessera');
      assert.equal(users.find((u) => u.userid === 't0@pve')?.comment, 'set by pveum');
      for (const i of range(N)) assert.ok(users.some((u) => u.userid === `t${String(i)}@pve`));
      // Tessera's audit events went to the sidecar, none into the Proxmox directory.
      assert.ok(existsSync(join(dataDir, 'pve-state.db')));
    } finally {
      await live.close();
    }
  });
});
