/**
 * Live snapshots: a process swaps in each new revision (and a freshly compiled permission
 * engine) when its watch reports a change, whether the change came from itself or from
 * another process sharing the SQLite file; a watcher that fell behind compacted history
 * reloads instead of missing changes.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { parseAclPath } from '../../src/model/acl-path.js';
import { parseGroupId, parseRoleId, parseUserId } from '../../src/model/ids.js';
import { modifyAcl } from '../../src/services/acl.js';
import { liveContext, storeContext } from '../../src/services/context.js';
import { createGroup, deleteGroup } from '../../src/services/groups.js';
import { createUser } from '../../src/services/users.js';
import { encodeUpid } from '../../src/model/upid.js';
import { encodeTaskRecord } from '../../src/services/tasks/records.js';
import { TaskIndex } from '../../src/services/tasks/task-index.js';
import { LiveAccess } from '../../src/store/live.js';
import { taskKey } from '../../src/store/task-keys.js';
import { MemoryStore } from '../../src/store/memory.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { repoRoot } from '../support/conformance.js';
import { engineFor } from '../../src/permissions/current.js';

const alice = parseUserId('alice@pve');
const ops = parseGroupId('ops');

describe('live snapshots', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-live-'));
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('swaps snapshot and permission engine on every change, and never mutates an old one', async () => {
    const live = await LiveAccess.open(new MemoryStore());
    const ctx = liveContext(live);
    await createGroup(ctx, ops);
    await createUser(ctx, { userid: alice, groups: [ops] });
    const before = live.snapshot;
    const engineBefore = engineFor(live);
    assert.equal(engineBefore.can(alice, parseAclPath('/vms/1'), 'VM.Console'), false);

    await modifyAcl(ctx, {
      path: parseAclPath('/vms'),
      roles: [parseRoleId('PVEVMUser')],
      groups: [ops],
    });
    assert.ok(live.snapshot.revision > before.revision);
    assert.equal(engineFor(live).can(alice, parseAclPath('/vms/1'), 'VM.Console'), true);
    // The old snapshot and engine still answer as of their revision.
    assert.equal(before.users.acl.size, 0);
    assert.equal(engineBefore.can(alice, parseAclPath('/vms/1'), 'VM.Console'), false);

    // Deleting the group takes its memberships and ACL entries with it.
    await deleteGroup(ctx, ops);
    assert.equal(live.snapshot.users.acl.size, 0);
    assert.equal(engineFor(live).can(alice, parseAclPath('/vms/1'), 'VM.Console'), false);
    await live.close();
  });

  it('follows changes another process writes to the same SQLite file', async () => {
    const file = join(dir, 'shared.db');
    const child = spawn(
      process.execPath,
      [join(repoRoot, 'dist', 'test', 'support', 'live-child.js'), `sqlite:${file}`],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const seen: number[] = [];
    const waiters: (() => void)[] = [];
    createInterface({ input: child.stdout }).on('line', (line) => {
      seen.push(Number(line.split(' ')[0]));
      for (const wake of waiters.splice(0)) wake();
    });
    const sees = async (revision: number): Promise<void> => {
      const deadline = Date.now() + 10_000;
      while (!seen.some((r) => r >= revision)) {
        assert.ok(Date.now() < deadline, `revision ${String(revision)} never arrived`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
    };
    try {
      await sees(0);
      const store = new SqliteStore(file);
      const ctx = storeContext(store);
      await createUser(ctx, { userid: alice });
      await createGroup(ctx, ops);
      const { revision } = await store.snapshot();
      await sees(revision);
      await store.close();
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('reloads when the change history it needs was compacted', async () => {
    const file = join(dir, 'compacted.db');
    const writer = new SqliteStore(file, { historyRevisions: 10 });
    const reader = new SqliteStore(file, { historyRevisions: 10, pollIntervalMs: 20 });
    const reloads: string[] = [];
    const live = await LiveAccess.open(reader, { onReload: (reason) => reloads.push(reason) });
    // Those who follow the change batches catch up from the reload too.
    const tasks = new TaskIndex(reader, live);
    await tasks.ready();
    const task = {
      node: 'n1',
      pid: 1,
      pstart: 1,
      starttime: 1_700_000_000,
      type: 'auth-realm-sync',
      id: 'corp',
      user: 'root@pam',
    };
    const upid = encodeUpid(task);
    // Stop the reader's watch from keeping up: write 300 revisions in one go.
    for (let i = 0; i < 300; i++)
      await writer.transact(
        [],
        [
          i === 150
            ? { op: 'put', key: taskKey(upid), value: encodeTaskRecord({ ...task, upid }) }
            : { op: 'put', key: `users/u${String(i)}@pve`, value: '{"enable":true,"expire":0}' },
        ],
      );
    const { revision } = await writer.snapshot();
    const snapshot = await live.waitForRevision(revision);
    assert.equal(snapshot.users.users.size, 299);
    assert.ok(reloads.length >= 1, 'expected a reload');
    assert.match(reloads[0] ?? '', /compacted/);
    assert.equal(tasks.get(upid)?.id, 'corp', 'the task written during the gap is known');
    await live.close();
    await writer.close();
  });
});
