/**
 * The filters the Audit page needs: `GET /access/tessera/logins` of every user in a time
 * range (`since`, `until`) with an outcome, `GET /access/tessera/changes` up to `until`; a
 * wrong value is refused naming the parameter.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/server.js';
import { EventLog } from '../../src/diagnostics/events.js';
import { bootstrap } from '../../src/services/bootstrap.js';
import { liveContext } from '../../src/services/context.js';
import { ensureServerKeys } from '../../src/services/server-keys.js';
import { LiveAccess } from '../../src/store/live.js';
import { openStore } from '../../src/store/open.js';

const HOUR = 3_600_000;

describe('audit filters', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-audit-filters-'));
  const now = Date.now();
  let live: LiveAccess;
  let app: FastifyInstance;
  let cookie = '';

  before(async () => {
    live = await LiveAccess.open(await openStore(`sqlite:${join(dir, 'tessera.db')}`));
    const ctx = liveContext(live);
    const password = (await bootstrap(ctx)) ?? '';
    await ensureServerKeys(ctx, Math.floor(now / 1000) - 100);
    const events = new EventLog(live.store, 'node1');
    const login = { kind: 'login', rhost: '192.0.2.7', realm: 'pve' } as const;
    events.record({
      ...login,
      user: 'alice@pve',
      outcome: 'failure',
      cause: 'wrong_password',
      time: now - 3 * HOUR,
    });
    events.record({ ...login, user: 'bob@pve', outcome: 'success', time: now - 2 * HOUR });
    events.record({
      ...login,
      user: 'carol@pve',
      outcome: 'failure',
      cause: 'unknown_user',
      time: now - HOUR,
    });
    const change = {
      node: 'node1',
      kind: 'change',
      actor: 'admin@pve',
      rhost: '192.0.2.9',
      entity: 'group',
      action: 'create',
      fields: {},
      outcome: 'success',
    } as const;
    events.recordChange({ ...change, id: 'early', time: now - 3 * HOUR });
    events.recordChange({ ...change, id: 'late', time: now - HOUR });
    await events.flush();
    app = await buildApi({ live, authFailureDelayMs: 0, throttle: false });
    const reply = await app.inject({
      method: 'POST',
      url: '/api2/json/access/ticket',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ username: 'admin@pve', password }).toString(),
    });
    cookie = `PVEAuthCookie=${encodeURIComponent(reply.json<{ data: { ticket: string } }>().data.ticket)}`;
  });
  after(async () => {
    await app.close();
    await live.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = async (path: string, query: Record<string, string>) => {
    const reply = await app.inject({
      method: 'GET',
      url: `/api2/json${path}?${new URLSearchParams(query).toString()}`,
      headers: { cookie },
    });
    return { status: reply.statusCode, body: reply.json<{ data: unknown; errors?: unknown }>() };
  };
  const users = (data: unknown): string[] => (data as { user: string }[]).map((e) => e.user);

  it('lists the logins of every user in a time range, with an outcome', async () => {
    const all = await get('/access/tessera/logins', { since: '1d' });
    assert.deepEqual(users(all.body.data), ['alice@pve', 'bob@pve', 'carol@pve']);
    const range = await get('/access/tessera/logins', {
      since: new Date(now - 4 * HOUR).toISOString(),
      until: new Date(now - 90 * 60_000).toISOString(),
    });
    assert.deepEqual(users(range.body.data), ['alice@pve', 'bob@pve']);
    const failed = await get('/access/tessera/logins', { since: '1d', outcome: 'failure' });
    assert.deepEqual(users(failed.body.data), ['alice@pve', 'carol@pve']);
  });

  it('lists the changes up to a time', async () => {
    const early = await get('/access/tessera/changes', { since: '1d', until: '2h' });
    assert.deepEqual(
      (early.body.data as { id: string }[]).map((e) => e.id),
      ['early'],
    );
  });

  it('refuses wrong values naming the parameter', async () => {
    const outcome = await get('/access/tessera/logins', { outcome: 'maybe' });
    assert.equal(outcome.status, 400);
    assert.deepEqual(outcome.body.errors, { outcome: "expected success or failure, not 'maybe'" });
    const until = await get('/access/tessera/logins', { until: 'soon' });
    assert.deepEqual(until.body.errors, { until: 'expected 30m, 2h, 7d or an ISO date' });
    const changes = await get('/access/tessera/changes', { until: 'soon' });
    assert.equal(changes.status, 400);
    assert.deepEqual(changes.body.errors, {
      until: "expected 30m, 2h, 7d or an ISO date, not 'soon'",
    });
  });
});
