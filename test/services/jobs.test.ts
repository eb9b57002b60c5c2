/**
 * Scheduled realm-sync jobs: Proxmox's definitions, checks and privileges, and the
 * scheduler that runs a due job on exactly one of two nodes sharing one SQLite file.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isTesseraError } from '../../src/errors.js';
import { parseRealmId, parseUserId, type Authid, type UserId } from '../../src/model/ids.js';
import { decodeUpid } from '../../src/model/upid.js';
import type { DirectoryContents } from '../../src/realms/ldap-sync.js';
import { bootstrap } from '../../src/services/bootstrap.js';
import { actingAs, liveContext, type ServiceContext } from '../../src/services/context.js';
import {
  createRealmSyncJob,
  deleteRealmSyncJob,
  listRealmSyncJobs,
  readRealmSyncJob,
  updateRealmSyncJob,
} from '../../src/services/jobs/realm-sync-jobs.js';
import { JobScheduler } from '../../src/services/jobs/scheduler.js';
import { createRealm } from '../../src/services/realms.js';
import { TaskIndex } from '../../src/services/tasks/task-index.js';
import { TaskManager } from '../../src/services/tasks/tasks.js';
import { createUser } from '../../src/services/users.js';
import type { ConfigStore } from '../../src/store/config-store.js';
import { LiveAccess } from '../../src/store/live.js';
import { MemoryStore } from '../../src/store/memory.js';
import { SqliteStore } from '../../src/store/sqlite.js';

const directory = (): Promise<DirectoryContents> =>
  Promise.resolve({
    users: [{ userid: parseUserId('alice@corp'), dn: 'uid=alice,dc=corp', fields: {} }],
    groups: [],
    warnings: [],
  });

async function node(store: ConfigStore, name: string, now: () => number) {
  const live = await LiveAccess.open(store);
  const ctx = liveContext(live, { node: name, now });
  const index = new TaskIndex(store, live);
  const tasks = new TaskManager(store, name, {
    index,
    committed: async (revision) => {
      await live.waitForRevision(revision);
    },
    process: { pid: name.length, pstart: 1 },
    clock: () => now() * 1000,
  });
  const scheduler = new JobScheduler(ctx, tasks, { read: directory });
  return { live, ctx, index, tasks, scheduler };
}

const as = (ctx: ServiceContext, authid: string): ServiceContext =>
  actingAs(ctx, { authid: authid as Authid, userid: authid as UserId, address: '127.0.0.1' });

const T0 = 1_700_000_000; // Tue 2023-11-14 22:13:20 UTC

describe('realm-sync jobs', () => {
  const dirs: string[] = [];
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("keeps Proxmox's definitions, with its checks and privileges", async () => {
    const now = T0;
    const { ctx, index, live } = await node(new MemoryStore(), 'node1', () => now);
    await bootstrap(ctx);
    await createRealm(ctx, parseRealmId('corp'), 'ldap', {
      server1: 'ldap.invalid',
      base_dn: 'dc=corp',
      user_attr: 'uid',
    });
    await createUser(ctx, { userid: parseUserId('alice@pve') });
    const alice = as(ctx, 'alice@pve');
    const options = { schedule: 'mon..fri 02:30 UTC', scope: 'both', 'enable-new': false };
    await assert.rejects(
      createRealmSyncJob(alice, index, 'nightly', 'corp', options),
      (err: unknown) => isTesseraError(err, 'permission_denied'),
    );
    await createRealmSyncJob(ctx, index, 'nightly', 'corp', { ...options, comment: 'every night' });
    const list = await listRealmSyncJobs(ctx, index);
    assert.deepEqual(list, [
      {
        type: 'realm-sync',
        id: 'nightly',
        schedule: 'mon..fri 02:30 UTC',
        realm: 'corp',
        scope: 'both',
        comment: 'every night',
        'enable-new': 0,
        enabled: 1,
        'last-run': T0,
        'next-run': T0 + 4 * 3600 + 16 * 60 + 40, // Wed 02:30 UTC
      },
    ]);
    assert.equal((await readRealmSyncJob(ctx, index, 'nightly'))['next-run'], undefined);
    await assert.rejects(listRealmSyncJobs(alice, index), /Sys.Audit/);

    const refused = async (
      run: Promise<unknown>,
      field: string,
      message: RegExp,
    ): Promise<void> => {
      await assert.rejects(run, (err: unknown) => {
        assert.ok(isTesseraError(err), String(err));
        assert.match(err.errors?.[field] ?? err.message, message);
        return true;
      });
    };
    await refused(
      createRealmSyncJob(ctx, index, 'nightly', 'corp', options),
      'id',
      /Job 'nightly' already exists/,
    );
    await refused(createRealmSyncJob(ctx, index, 'x', 'corp', options), 'id', /configuration ID/);
    await refused(
      createRealmSyncJob(ctx, index, 'job2', 'corp', { ...options, schedule: 'mon..fri 25:61' }),
      'schedule',
      /^invalid format - invalid calendar event 'mon..fri 25:61' - /,
    );
    await refused(
      createRealmSyncJob(ctx, index, 'job2', 'nowhere', options),
      'realm',
      /No such realm 'nowhere'/,
    );
    await refused(
      createRealmSyncJob(ctx, index, 'job2', 'pve', options),
      'realm',
      /Only LDAP\/AD realms can be synced/,
    );
    await refused(readRealmSyncJob(ctx, index, 'job2'), 'id', /No such job 'job2'/);

    await updateRealmSyncJob(ctx, index, 'nightly', { schedule: 'daily', enabled: false }, [
      'comment',
    ]);
    const updated = await readRealmSyncJob(ctx, index, 'nightly');
    assert.deepEqual(
      [updated['schedule'], updated['enabled'], updated['comment']],
      ['daily', 0, undefined],
    );
    await refused(updateRealmSyncJob(ctx, index, 'nightly', {}, []), 'id', /no job options/);
    await refused(
      updateRealmSyncJob(ctx, index, 'nightly', {}, ['schedule']),
      'delete',
      /unable to delete required option 'schedule'/,
    );
    await assert.rejects(deleteRealmSyncJob(alice, index, 'nightly'), /Sys.Modify/);
    await deleteRealmSyncJob(ctx, index, 'nightly');
    await live.waitForRevision((await live.store.snapshot()).revision);
    assert.deepEqual(await listRealmSyncJobs(ctx, index), []);
  });

  it('runs a due job on exactly one of two nodes sharing a SQLite file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-jobs-'));
    dirs.push(dir);
    const file = join(dir, 'tessera.db');
    let now = T0;
    const clock = (): number => now;
    const a = await node(new SqliteStore(file), 'node-a', clock);
    await bootstrap(a.ctx);
    await createRealm(a.ctx, parseRealmId('corp'), 'ldap', {
      server1: 'ldap.invalid',
      base_dn: 'dc=corp',
      user_attr: 'uid',
    });
    await createRealmSyncJob(a.ctx, a.index, 'often', 'corp', { schedule: '*/5', scope: 'users' });
    const b = await node(new SqliteStore(file), 'node-b', clock);
    await b.live.waitForRevision(a.live.snapshot.revision);
    try {
      assert.deepEqual(await a.scheduler.tick(now), [], 'not due yet');
      now = T0 - (T0 % 300) + 300; // the next multiple of five minutes
      const started = [...(await a.scheduler.tick(now)), ...(await b.scheduler.tick(now))];
      const both = await Promise.all([a.scheduler.tick(now), b.scheduler.tick(now)]);
      assert.equal(started.length + both.flat().length, 1, 'one node ran it');
      const upid = started[0] ?? both.flat()[0] ?? '';
      const runner = decodeUpid(upid)?.node === 'node-a' ? a : b;
      assert.equal(decodeUpid(upid)?.user, 'root@pam');
      await until(() => runner.index.get(upid)?.endtime !== undefined);
      assert.equal(runner.index.get(upid)?.status, 'OK');
      assert.ok(
        a.live.snapshot.users.users.has(parseUserId('alice@corp')) ||
          (await a.live.waitForRevision(b.live.snapshot.revision)).users.users.has(
            parseUserId('alice@corp'),
          ),
      );
      const [job] = await listRealmSyncJobs(a.ctx, a.index);
      assert.deepEqual([job?.['last-run'], job?.['next-run']], [now, now + 300]);

      // Both nodes check again a minute later, concurrently: nothing is due.
      now += 60;
      const again = await Promise.all([a.scheduler.tick(now), b.scheduler.tick(now)]);
      assert.deepEqual(again.flat(), []);

      // A day without any node running: the missed runs are not made up for, the next is.
      now += 86_400;
      const late = await Promise.all([a.scheduler.tick(now), b.scheduler.tick(now)]);
      assert.deepEqual(late.flat(), []);
      await b.live.waitForRevision((await b.live.store.snapshot()).revision);
      await a.live.waitForRevision((await a.live.store.snapshot()).revision);
      now = now - (now % 300) + 300;
      const next = await Promise.all([a.scheduler.tick(now), b.scheduler.tick(now)]);
      assert.equal(next.flat().length, 1);
    } finally {
      await a.tasks.close();
      await b.tasks.close();
      await a.live.close();
      await b.live.close();
    }
  });
});

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check());
}
