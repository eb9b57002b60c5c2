/**
 * Tasks in the store: a log readable while the task runs, an end status recorded however it
 * ends, a stop asked for on another node, the tasks a restart finds left running, the
 * bounds on tasks and log lines, and Proxmox's rules for who sees and stops which task.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTesseraError } from '../../src/errors.js';
import { parseAclPath } from '../../src/model/acl-path.js';
import { parseRoleId, parseUserId, type Authid, type UserId } from '../../src/model/ids.js';
import { encodeUpid, decodeUpid } from '../../src/model/upid.js';
import { modifyAcl } from '../../src/services/acl.js';
import { bootstrap } from '../../src/services/bootstrap.js';
import { actingAs, liveContext, type ServiceContext } from '../../src/services/context.js';
import { listTasks, stopTask, taskLog, taskStatus } from '../../src/services/tasks/queries.js';
import { encodeTaskRecord, TASK_LIMITS } from '../../src/services/tasks/records.js';
import { TaskIndex } from '../../src/services/tasks/task-index.js';
import { TaskManager, type TaskRun } from '../../src/services/tasks/tasks.js';
import { createUser } from '../../src/services/users.js';
import { LiveAccess } from '../../src/store/live.js';
import { MemoryStore } from '../../src/store/memory.js';
import { TASK_LOG_PREFIX, taskKey } from '../../src/store/task-keys.js';

async function setup() {
  const store = new MemoryStore();
  const live = await LiveAccess.open(store);
  const ctx = liveContext(live);
  await bootstrap(ctx);
  await createUser(ctx, { userid: parseUserId('alice@pve') });
  const manager = (node: string, process = { pid: 4242, pstart: 777 }, clock?: () => number) =>
    new TaskManager(store, node, {
      index: new TaskIndex(store, live),
      committed: async (revision) => {
        await live.waitForRevision(revision);
      },
      process,
      ...(clock ? { clock } : {}),
    });
  const as = (authid: string): ServiceContext =>
    actingAs(ctx, {
      authid: authid as Authid,
      userid: authid.split('!')[0] as UserId,
      ...(authid.includes('!') ? { token: authid as never } : {}),
      address: '127.0.0.1',
    });
  return { store, live, ctx, manager, as };
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check(), what);
}

const spec = (user = 'root@pam') => ({ type: 'auth-realm-sync', id: 'corp', user });

describe('tasks', () => {
  it('shows the log while the task runs, and records its end', async () => {
    const { manager, ctx, live } = await setup();
    const tasks = manager('node1');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { upid, finished } = await tasks.start(spec(), async (run) => {
      run.log('starting sync for realm corp');
      await gate;
      run.log('adding user a@corp\nadding user b@corp');
    });
    assert.equal(decodeUpid(upid)?.node, 'node1');
    assert.equal((await taskStatus(ctx, tasks, 'node1', upid)).status, 'running');
    await until(
      () => tasks.index?.log(upid).includes('starting sync for realm corp') === true,
      'the first line is in the store before the task ends',
    );
    const running = await listTasks(ctx, tasks, 'node1', { source: 'active' });
    assert.equal(running.tasks[0]?.status, 'RUNNING');
    assert.equal((await listTasks(ctx, tasks, 'node1', {})).total, 0, 'the archive only');
    release();
    const ended = await finished;
    await live.waitForRevision((await live.store.snapshot()).revision);
    assert.equal(ended.status, 'OK');
    const status = await taskStatus(ctx, tasks, 'node1', upid);
    assert.deepEqual(
      {
        status: status.status,
        exitstatus: status.exitstatus,
        user: status.user,
        upid: status.upid,
      },
      { status: 'stopped', exitstatus: 'OK', user: 'root@pam', upid },
    );
    const log = await taskLog(ctx, tasks, 'node1', upid, {});
    assert.deepEqual(log.lines, [
      { n: 1, t: 'starting sync for realm corp' },
      { n: 2, t: 'adding user a@corp' },
      { n: 3, t: 'adding user b@corp' },
      { n: 4, t: 'TASK OK' },
    ]);
    assert.equal(log.total, 4);
    const window = await taskLog(ctx, tasks, 'node1', upid, { start: 1, limit: 2 });
    assert.deepEqual(
      window.lines.map((l) => l.n),
      [2, 3],
    );
    assert.equal(window.total, 4);
    const listed = await listTasks(ctx, tasks, 'node1', {});
    assert.deepEqual(
      listed.tasks.map((t) => [t.status, typeof t.endtime]),
      [['OK', 'number']],
    );
  });

  it('records a failure with its error text as the exit status', async () => {
    const { manager, ctx } = await setup();
    const tasks = manager('node1');
    const { upid, finished } = await tasks.start(spec(), () =>
      Promise.reject(new Error('bind failed\nInvalid credentials')),
    );
    assert.equal((await finished).status, 'bind failed Invalid credentials');
    const log = await taskLog(ctx, tasks, 'node1', upid, {});
    assert.equal(log.lines.at(-1)?.t, 'TASK ERROR: bind failed Invalid credentials');
    const errors = await listTasks(ctx, tasks, 'node1', { errors: true });
    assert.equal(errors.total, 1);
    const ok = await listTasks(ctx, tasks, 'node1', { statusfilter: 'ok' });
    assert.equal(ok.total, 0);
  });

  it('stops a task of another node through the store', async () => {
    const { manager, ctx } = await setup();
    const node1 = manager('node1');
    const node2 = manager('node2', { pid: 99, pstart: 5 });
    const { upid, finished } = await node1.start(
      spec(),
      (run: TaskRun) =>
        new Promise((_resolve, reject) => {
          run.signal.addEventListener('abort', () => {
            reject(new Error('aborted'));
          });
        }),
    );
    await node2.index?.ready();
    await stopTask(ctx, node2, 'node1', upid);
    assert.equal((await finished).status, 'interrupted by signal');
  });

  it("marks a task an earlier process left running as 'unexpected status'", async () => {
    const { store, manager, ctx, live } = await setup();
    const fields = { node: 'node1', pid: 1, pstart: 1, starttime: 1_700_000_000, ...spec() };
    const upid = encodeUpid(fields);
    const revision = await store.transact(
      [],
      [
        {
          op: 'put',
          key: taskKey(upid),
          value: encodeTaskRecord({ ...fields, upid }),
        },
      ],
    );
    await live.waitForRevision(revision);
    const other = manager('node2', { pid: 2, pstart: 2 });
    assert.equal(await other.recover(), 0, 'another node leaves it alone');
    const tasks = manager('node1', { pid: 2, pstart: 2 });
    assert.equal(await tasks.recover(), 1);
    await live.waitForRevision((await store.snapshot()).revision);
    await tasks.index?.ready();
    const status = await taskStatus(ctx, tasks, 'node1', upid);
    assert.equal(status.exitstatus, 'unexpected status');
    assert.equal((await listTasks(ctx, tasks, 'node1', { statusfilter: 'unknown' })).total, 1);
  });

  it('gives two tasks of one kind started in the same second different UPIDs', async () => {
    const { manager } = await setup();
    const tasks = manager('node1', { pid: 7, pstart: 7 }, () => 1_700_000_000_000);
    const first = await tasks.start(spec(), () => Promise.resolve());
    const second = await tasks.start(spec(), () => Promise.resolve());
    assert.notEqual(first.upid, second.upid);
    assert.equal(decodeUpid(second.upid)?.starttime, 1_700_000_001);
    await Promise.all([first.finished, second.finished]);
  });

  it('keeps a bounded log, and says how many lines it left out', async () => {
    const { manager, ctx, store, live } = await setup();
    const tasks = manager('node1');
    const { upid, finished } = await tasks.start(spec(), async (run) => {
      for (let i = 0; i < TASK_LIMITS.MAX_LOG_LINES + 10; i++) run.log(`line ${String(i)}`);
      run.log('x'.repeat(TASK_LIMITS.MAX_LINE_CHARS * 2));
      await Promise.resolve();
    });
    await finished;
    await live.waitForRevision((await store.snapshot()).revision);
    const log = await taskLog(ctx, tasks, 'node1', upid, { limit: 0 });
    assert.equal(log.total, TASK_LIMITS.MAX_LOG_LINES);
    assert.equal(log.lines.at(-2)?.t, '(13 more log lines not kept)');
    assert.equal(log.lines.at(-1)?.t, 'TASK OK');
    const chunks = [...(await store.snapshot()).entries.keys()].filter((k) =>
      k.startsWith(TASK_LOG_PREFIX),
    );
    assert.equal(chunks.length, TASK_LIMITS.MAX_LOG_LINES / TASK_LIMITS.CHUNK_LINES);
  });

  it('writes a log of long lines in transactions etcd takes (at most 1.5 MiB each)', async () => {
    const { manager, ctx, store, live } = await setup();
    let largest = 0;
    const transact = store.transact.bind(store);
    store.transact = (conditions, operations) => {
      const bytes = operations.reduce(
        (sum, op) => sum + op.key.length + (op.op === 'put' ? op.value.length : 0),
        0,
      );
      largest = Math.max(largest, bytes);
      return transact(conditions, operations);
    };
    const tasks = manager('node1');
    const line = 'y'.repeat(TASK_LIMITS.MAX_LINE_CHARS);
    const { upid, finished } = await tasks.start(spec(), async (run) => {
      for (let i = 0; i < 1000; i++) run.log(line);
      await Promise.resolve();
    });
    await finished;
    await live.waitForRevision((await store.snapshot()).revision);
    const log = await taskLog(ctx, tasks, 'node1', upid, { limit: 0 });
    assert.equal(log.total, 1001);
    assert.ok(log.lines.slice(0, 1000).every((l) => l.t === line));
    assert.ok(largest < 1.5 * 1024 * 1024, `a write of ${String(largest)} bytes`);
  });

  it('keeps the newest tasks only', async () => {
    const { manager, store, live } = await setup();
    let now = 1_600_000_000_000;
    const tasks = manager('node1', { pid: 3, pstart: 3 }, () => (now += 1000));
    let first = '';
    for (let i = 0; i < TASK_LIMITS.MAX_TASKS + 2; i++) {
      const started = await tasks.start(spec(), async (run) => {
        run.log('done');
        await Promise.resolve();
      });
      await started.finished;
      first ||= started.upid;
    }
    await live.waitForRevision((await store.snapshot()).revision);
    assert.equal(tasks.index?.size, TASK_LIMITS.MAX_TASKS);
    const keys = [...(await store.snapshot()).entries.keys()];
    assert.equal(keys.filter((k) => k.startsWith('tasks/')).length, TASK_LIMITS.MAX_TASKS);
    assert.ok(!keys.some((k) => k.includes(first)), 'the oldest task and its log are gone');
  });

  it("shows a user their own tasks only, unless they may audit the node (Proxmox's rules)", async () => {
    const { manager, ctx, as, store, live } = await setup();
    const tasks = manager('node1');
    const mine = await tasks.start(spec('alice@pve!ci'), () => Promise.resolve());
    const roots = await tasks.start(spec('root@pam'), () => Promise.resolve());
    await Promise.all([mine.finished, roots.finished]);
    await live.waitForRevision((await store.snapshot()).revision);
    const alice = as('alice@pve');
    const own = await listTasks(alice, tasks, 'node1', {});
    assert.deepEqual(
      own.tasks.map((t) => [t.user, t.tokenid]),
      [['alice@pve', 'ci']],
    );
    const other = as('alice@pve!other');
    assert.equal((await listTasks(other, tasks, 'node1', {})).total, 0, 'a token sees its own');
    await assert.rejects(
      taskStatus(alice, tasks, 'node1', roots.upid),
      (err: unknown) =>
        isTesseraError(err, 'permission_denied') &&
        err.publicMessage === 'Permission check failed (/nodes/node1, Sys.Audit)',
    );
    await assert.rejects(stopTask(alice, tasks, 'node1', roots.upid), /Sys.Modify/);
    await modifyAcl(ctx, {
      path: parseAclPath('/nodes/node1'),
      roles: [parseRoleId('PVEAuditor')],
      users: [parseUserId('alice@pve')],
    });
    assert.equal((await listTasks(alice, tasks, 'node1', {})).total, 2);
    assert.equal((await taskStatus(alice, tasks, 'node1', roots.upid)).exitstatus, 'OK');
    const filtered = await listTasks(alice, tasks, 'node1', { userfilter: 'ROOT' });
    assert.equal(filtered.total, 1);
  });

  it('answers for known node names only, as Proxmox does for a node it cannot resolve', async () => {
    const { manager, ctx } = await setup();
    const tasks = manager('node1');
    const { upid, finished } = await tasks.start(spec(), () => Promise.resolve());
    await finished;
    assert.equal((await taskStatus(ctx, tasks, 'localhost', upid)).node, 'node1');
    await assert.rejects(
      listTasks(ctx, tasks, 'elsewhere', {}),
      /hostname lookup 'elsewhere' failed/,
    );
    await assert.rejects(
      listTasks(ctx, tasks, 'no such!', {}),
      (err: unknown) => isTesseraError(err, 'invalid_value') && err.field === 'node',
    );
    await assert.rejects(
      taskStatus(ctx, tasks, 'node1', 'UPID:nonsense'),
      (err: unknown) =>
        isTesseraError(err, 'invalid_value') &&
        err.errors?.['upid'] === 'unable to parse worker upid',
    );
    const unknown = upid.replace('corp', 'other');
    await assert.rejects(
      taskStatus(ctx, tasks, 'node1', unknown),
      (err: unknown) =>
        isTesseraError(err, 'invalid_value') && err.errors?.['upid'] === 'no such task',
    );
    assert.deepEqual((await taskLog(ctx, tasks, 'node1', unknown, {})).lines, [
      { n: 1, t: 'unable to open file - No such file or directory' },
    ]);
  });
});
