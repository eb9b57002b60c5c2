/**
 * `/cluster/jobs` over HTTP: its index, `schedule-analyze` with Proxmox's answer shape (a
 * Unix time and Perl's `gmtime` text per run) and parameter errors, and a realm-sync job
 * created, listed, changed and deleted through the API.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/server.js';
import { csrfToken } from '../../src/auth/csrf.js';
import { serverKeys } from '../../src/auth/server-keys.js';
import { signTicket } from '../../src/auth/ticket.js';
import { parseRealmId } from '../../src/model/ids.js';
import { bootstrap } from '../../src/services/bootstrap.js';
import { liveContext } from '../../src/services/context.js';
import { createRealm } from '../../src/services/realms.js';
import { ensureServerKeys } from '../../src/services/server-keys.js';
import { LiveAccess } from '../../src/store/live.js';
import { MemoryStore } from '../../src/store/memory.js';

const NOW = Math.floor(Date.now() / 1000);

describe('/cluster/jobs', () => {
  let live: LiveAccess;
  let app: FastifyInstance;
  let headers: Record<string, string>;

  before(async () => {
    live = await LiveAccess.open(new MemoryStore());
    const ctx = liveContext(live);
    await bootstrap(ctx);
    await ensureServerKeys(ctx, NOW - 10);
    await createRealm(ctx, parseRealmId('corp'), 'ad', {
      server1: 'ad.invalid',
      domain: 'corp.example',
    });
    app = await buildApi({ live, authFailureDelayMs: 0, throttle: false, node: 'node1' });
    const keys = serverKeys(live.snapshot);
    assert.ok(keys);
    headers = {
      cookie: `PVEAuthCookie=${encodeURIComponent(signTicket(keys.ring, 'PVE', 'root@pam', NOW))}`,
      csrfpreventiontoken: csrfToken(keys.csrfSecret, 'root@pam', NOW),
      'content-type': 'application/x-www-form-urlencoded',
    };
  });

  after(async () => {
    await app.close();
    await live.close();
  });

  const call = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload = '') => {
    const res = await app.inject({
      method,
      url: `/api2/json${url}`,
      headers,
      ...(payload !== '' ? { payload } : {}),
    });
    return {
      status: res.statusCode,
      body: JSON.parse(res.body) as { data: unknown; errors?: Record<string, string> },
    };
  };

  it('lists its subdirectories', async () => {
    assert.deepEqual((await call('GET', '/cluster/jobs')).body.data, [
      { subdir: 'schedule-analyze' },
      { subdir: 'realm-sync' },
    ]);
  });

  it('analyzes a schedule as Proxmox does', async () => {
    const res = await call(
      'GET',
      `/cluster/jobs/schedule-analyze?schedule=${encodeURIComponent('sat *-1..7 4:00 UTC')}&starttime=0&iterations=2`,
    );
    assert.deepEqual(res.body.data, [
      { timestamp: 172_800 + 4 * 3600, utc: 'Sat Jan  3 04:00:00 1970' },
      { timestamp: 3_196_800 + 4 * 3600, utc: 'Sat Feb  7 04:00:00 1970' },
    ]);
    const bad = await call('GET', '/cluster/jobs/schedule-analyze?schedule=mon..xyz');
    assert.equal(bad.status, 400);
    assert.match(bad.body.errors?.['schedule'] ?? '', /^invalid format - invalid calendar event/);
    const many = await call('GET', '/cluster/jobs/schedule-analyze?schedule=daily&iterations=101');
    assert.equal(many.status, 400);
    assert.ok(many.body.errors?.['iterations']);
  });

  it('creates, lists, changes and deletes a realm-sync job', async () => {
    const created = await call(
      'POST',
      '/cluster/jobs/realm-sync/nightly',
      'realm=corp&schedule=02%3A30&scope=users&remove-vanished=acl%3Bentry',
    );
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const list = (await call('GET', '/cluster/jobs/realm-sync')).body.data as Record<
      string,
      unknown
    >[];
    assert.deepEqual(
      list.map((j) => [j['remove-vanished'], typeof j['next-run']]),
      [['acl;entry', 'number']],
    );
    const bad = await call(
      'PUT',
      '/cluster/jobs/realm-sync/nightly',
      'schedule=02%3A30&scope=everything',
    );
    assert.equal(bad.status, 400);
    assert.ok(bad.body.errors?.['scope']);
    const fixed = await call(
      'PUT',
      '/cluster/jobs/realm-sync/nightly',
      'schedule=02%3A30&scope=both&enabled=0',
    );
    assert.equal(fixed.status, 200);
    const job = (await call('GET', '/cluster/jobs/realm-sync/nightly')).body.data as Record<
      string,
      unknown
    >;
    assert.deepEqual([job['scope'], job['enabled']], ['both', 0]);
    assert.equal((await call('DELETE', '/cluster/jobs/realm-sync/nightly')).status, 200);
    const gone = await call('GET', '/cluster/jobs/realm-sync/nightly');
    assert.equal(gone.status, 400);
    assert.equal(gone.body.errors?.['id'], "No such job 'nightly'");
  });
});
