/**
 * The login throttle shared by the nodes of a cluster: two API nodes (and a third that starts
 * later) on one SQLite store; failed logins on one node block the source on the others, and
 * IPv6 clients count by /64.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/server.js';
import { hashPassword } from '../../src/auth/password.js';
import { LoginThrottle } from '../../src/auth/throttle.js';
import { ThrottleShare } from '../../src/auth/throttle-share.js';
import { parseUserId } from '../../src/model/ids.js';
import type { AuthFailureEvent } from '../../src/services/login/events.js';
import { bootstrap } from '../../src/services/bootstrap.js';
import { liveContext } from '../../src/services/context.js';
import { ensureServerKeys } from '../../src/services/server-keys.js';
import { createUser } from '../../src/services/users.js';
import { LiveAccess } from '../../src/store/live.js';
import { openStore } from '../../src/store/open.js';

const LIMITS = { failures: 3, windowSeconds: 60, banSeconds: 300, addressFailures: 50 };

interface Node {
  readonly live: LiveAccess;
  readonly throttle: LoginThrottle;
  readonly share: ThrottleShare;
  readonly app: FastifyInstance;
  readonly events: AuthFailureEvent[];
}

describe('login throttle shared through the store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-throttle-'));
  const url = `sqlite:${join(dir, 'tessera.db')}`;
  const nodes: Node[] = [];

  const start = async (): Promise<Node> => {
    const live = await LiveAccess.open(await openStore(url));
    const throttle = new LoginThrottle(LIMITS);
    const share = new ThrottleShare(live, throttle, 100);
    await share.start();
    const events: AuthFailureEvent[] = [];
    const app = await buildApi(
      { live, authFailureDelayMs: 0, throttle, onAuthFailure: (e) => events.push(e) },
      undefined,
      ['127.0.0.1'],
    );
    const node = { live, throttle, share, app, events };
    nodes.push(node);
    return node;
  };

  const login = async (node: Node, password: string, from: string): Promise<number> =>
    (
      await node.app.inject({
        method: 'POST',
        url: '/api2/json/access/ticket',
        headers: { 'x-forwarded-for': from },
        payload: { username: 'dave@pve', password },
      })
    ).statusCode;

  const eventually = async (what: string, check: () => boolean): Promise<void> => {
    const until = Date.now() + 5_000;
    while (!check()) {
      if (Date.now() > until) assert.fail(`not within 5 s: ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };

  let a: Node;
  let b: Node;
  before(async () => {
    a = await start();
    const ctx = liveContext(a.live);
    await bootstrap(ctx);
    await ensureServerKeys(ctx, Math.floor(Date.now() / 1000) - 10);
    await createUser(ctx, {
      userid: parseUserId('dave@pve'),
      passwordHash: await hashPassword('dave password'),
    });
    b = await start();
    await b.live.waitForRevision(a.live.snapshot.revision);
  });
  after(async () => {
    for (const node of nodes) {
      await node.share.stop();
      await node.app.close();
      await node.live.close();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('blocks on one node the source that failed on another', async () => {
    const now = () => Math.floor(Date.now() / 1000);
    assert.equal(await login(b, 'dave password', '203.0.113.7'), 200);
    for (let i = 0; i < 3; i++)
      assert.equal(await login(a, `wrong ${String(i)}`, '203.0.113.7'), 401);
    await eventually('node b blocks 203.0.113.7', () =>
      b.throttle.blocked('203.0.113.7', 'dave@pve', now()),
    );
    assert.equal(await login(b, 'dave password', '203.0.113.7'), 401);
    assert.equal(b.events.at(-1)?.cause, 'throttled');
    assert.equal(await login(b, 'dave password', '203.0.113.8'), 200);
  });

  it('counts IPv6 clients by /64 across nodes, and a node that starts later knows', async () => {
    const now = () => Math.floor(Date.now() / 1000);
    assert.equal(await login(a, 'wrong', '2001:db8:1:2::1'), 401);
    assert.equal(await login(b, 'wrong', '2001:db8:1:2::2'), 401);
    assert.equal(await login(a, 'wrong', '2001:db8:1:2:aaaa::3'), 401);
    await eventually('node b blocks the /64', () =>
      b.throttle.blocked('2001:db8:1:2:ffff::9', 'dave@pve', now()),
    );
    assert.equal(await login(b, 'dave password', '2001:db8:1:2::abcd'), 401);
    assert.equal(await login(b, 'dave password', '2001:db8:1:3::1'), 200);
    await a.share.flush();
    await b.share.flush();
    const c = await start();
    assert.equal(c.throttle.blocked('2001:db8:1:2::77', 'dave@pve', now()), true);
    assert.equal(c.throttle.blocked('203.0.113.7', 'dave@pve', now()), true);
    assert.equal(await login(c, 'dave password', '2001:db8:1:2::77'), 401);
  });
});
