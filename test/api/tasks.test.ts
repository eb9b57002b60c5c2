/**
 * `/nodes/{node}/tasks` over HTTP: Proxmox's `total` beside `data`, the log as a download,
 * a stop through `DELETE`, and the answers for another user and an unknown node.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/server.js';
import { csrfToken } from '../../src/auth/csrf.js';
import { serverKeys } from '../../src/auth/server-keys.js';
import { signTicket } from '../../src/auth/ticket.js';
import { parseUserId } from '../../src/model/ids.js';
import { bootstrap } from '../../src/services/bootstrap.js';
import { liveContext } from '../../src/services/context.js';
import { ensureServerKeys } from '../../src/services/server-keys.js';
import { TaskIndex } from '../../src/services/tasks/task-index.js';
import { TaskManager } from '../../src/services/tasks/tasks.js';
import { createUser } from '../../src/services/users.js';
import { LiveAccess } from '../../src/store/live.js';
import { MemoryStore } from '../../src/store/memory.js';

const NOW = Math.floor(Date.now() / 1000);

describe('/nodes/{node}/tasks over HTTP', () => {
  let live: LiveAccess;
  let app: FastifyInstance;
  let tasks: TaskManager;
  let as: (userid: string) => Record<string, string>;

  before(async () => {
    live = await LiveAccess.open(new MemoryStore());
    const ctx = liveContext(live);
    await bootstrap(ctx);
    await ensureServerKeys(ctx, NOW - 10);
    await createUser(ctx, { userid: parseUserId('bob@pve') });
    tasks = new TaskManager(live.store, 'node1', {
      index: new TaskIndex(live.store, live),
      committed: async (revision) => {
        await live.waitForRevision(revision);
      },
    });
    app = await buildApi({ live, authFailureDelayMs: 0, throttle: false, node: 'node1', tasks });
    const keys = serverKeys(live.snapshot);
    assert.ok(keys);
    as = (userid) => ({
      cookie: `PVEAuthCookie=${encodeURIComponent(signTicket(keys.ring, 'PVE', userid, NOW))}`,
      csrfpreventiontoken: csrfToken(keys.csrfSecret, userid, NOW),
    });
  });

  after(async () => {
    await tasks.close();
    await app.close();
    await live.close();
  });

  const get = (url: string, user = 'root@pam') =>
    app.inject({ method: 'GET', url: `/api2/json${url}`, headers: as(user) });

  it('lists with a total, downloads the log, and stops a running task', async () => {
    const done = await tasks.start(
      { type: 'auth-realm-sync', id: 'corp', user: 'root@pam' },
      (run) => {
        run.log('one\ntwo');
        return Promise.resolve();
      },
    );
    await done.finished;
    const running = await tasks.start(
      { type: 'auth-realm-sync', id: 'corp', user: 'root@pam' },
      (run) =>
        new Promise((_resolve, reject) => {
          run.signal.addEventListener('abort', () => {
            reject(new Error('stopped'));
          });
        }),
    );
    await live.waitForRevision((await live.store.snapshot()).revision);
    const list = JSON.parse((await get('/nodes/node1/tasks?source=all&limit=1')).body) as {
      data: { upid: string; status: string }[];
      total: number;
    };
    assert.deepEqual([list.data.map((t) => t.status), list.total], [['RUNNING'], 2]);

    const file = await get(`/nodes/node1/tasks/${encodeURIComponent(done.upid)}/log?download=1`);
    assert.equal(file.statusCode, 200);
    assert.match(String(file.headers['content-type']), /^text\/plain/);
    assert.match(
      String(file.headers['content-disposition']),
      /^attachment; filename="task-node1-auth-realm-sync-\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\.log"$/,
    );
    assert.equal(file.body, 'one\ntwo\nTASK OK\n');
    const both = await get(
      `/nodes/node1/tasks/${encodeURIComponent(done.upid)}/log?download=1&limit=5`,
    );
    assert.equal(both.statusCode, 500);

    const bobs = await app.inject({
      method: 'DELETE',
      url: `/api2/json/nodes/node1/tasks/${encodeURIComponent(running.upid)}`,
      headers: as('bob@pve'),
    });
    assert.equal(bobs.statusCode, 403);
    assert.match(bobs.body, /Sys\.Modify/);
    const stop = await app.inject({
      method: 'DELETE',
      url: `/api2/json/nodes/node1/tasks/${encodeURIComponent(running.upid)}`,
      headers: as('root@pam'),
    });
    assert.equal(stop.statusCode, 200);
    assert.equal((await running.finished).status, 'interrupted by signal');
  });

  it('answers an unknown node as Proxmox answers a node it cannot resolve', async () => {
    const res = await get('/nodes/elsewhere/tasks');
    assert.equal(res.statusCode, 500);
    assert.match(res.body, /hostname lookup 'elsewhere' failed/);
    const cluster = JSON.parse((await get('/cluster/tasks')).body) as { data: unknown[] };
    assert.ok(cluster.data.length >= 2);
  });
});
