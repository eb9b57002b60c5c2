/**
 * `POST /access/tfa/{userid}` with `type=u2f`: without datacenter.cfg's `u2f` Proxmox has no
 * U2F configuration; with one it hands out a U2F registration challenge for its `appid`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/server.js';
import { csrfToken } from '../../src/auth/csrf.js';
import { serverKeys } from '../../src/auth/server-keys.js';
import { signTicket } from '../../src/auth/ticket.js';
import { parseDatacenterCfg } from '../../src/formats/datacenter-cfg.js';
import { parseUserId } from '../../src/model/ids.js';
import { bootstrap } from '../../src/services/bootstrap.js';
import { liveContext } from '../../src/services/context.js';
import { ensureServerKeys } from '../../src/services/server-keys.js';
import { createUser } from '../../src/services/users.js';
import { encodeDatacenter, KEYS } from '../../src/store/codec.js';
import { LiveAccess } from '../../src/store/live.js';
import { MemoryStore } from '../../src/store/memory.js';

const T = Math.floor(Date.now() / 1000);

describe('u2f registrations and datacenter.cfg', () => {
  let live: LiveAccess;
  let app: FastifyInstance;

  before(async () => {
    live = await LiveAccess.open(new MemoryStore());
    const ctx = liveContext(live);
    await bootstrap(ctx);
    await ensureServerKeys(ctx, T - 100);
    await createUser(ctx, { userid: parseUserId('a@pve') });
    app = await buildApi({ live, authFailureDelayMs: 0, throttle: false });
  });
  after(async () => {
    await app.close();
    await live.close();
  });

  const setDatacenter = async (text: string): Promise<void> => {
    const value = encodeDatacenter(parseDatacenterCfg(text).value);
    const revision = await live.store.transact([], [{ op: 'put', key: KEYS.datacenter(), value }]);
    await live.waitForRevision(revision);
  };

  const u2f = async (form: Record<string, string>) => {
    const keys = serverKeys(live.snapshot);
    assert.ok(keys);
    const reply = await app.inject({
      method: 'POST',
      url: '/api2/json/access/tfa/a@pve',
      headers: {
        cookie: `PVEAuthCookie=${encodeURIComponent(signTicket(keys.ring, 'PVE', 'root@pam', T))}`,
        csrfpreventiontoken: csrfToken(keys.csrfSecret, 'root@pam', T),
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: new URLSearchParams({ type: 'u2f', ...form }).toString(),
    });
    const body = JSON.parse(reply.body) as {
      data: { id: null; challenge: string } | null;
      message?: string;
    };
    return { status: reply.statusCode, reason: reply.statusMessage, ...body };
  };

  it('has no configuration without datacenter.cfg, nor with a u2f setting without appid', async () => {
    assert.equal((await u2f({ description: 'key' })).reason, 'no u2f configuration available');
    await setDatacenter('u2f: origin=https://pve.example.com:8006\n');
    assert.equal((await u2f({ description: 'key' })).reason, 'no u2f configuration available');
  });

  it("hands out Proxmox's registration challenge for the configured appid", async () => {
    await setDatacenter('u2f: appid=https://pve.example.com:8006\n');
    const started = await u2f({ description: 'key' });
    assert.equal(started.status, 200, JSON.stringify(started));
    const data = started.data;
    assert.ok(data);
    assert.equal(data.id, null);
    const challenge = JSON.parse(data.challenge) as Record<string, string>;
    assert.deepEqual(Object.keys(challenge), ['challenge', 'version', 'appId']);
    assert.match(challenge['challenge'] ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.equal(challenge['version'], 'U2F_V2');
    assert.equal(challenge['appId'], 'https://pve.example.com:8006');
    // The checks before the configuration stay Proxmox's.
    assert.equal((await u2f({})).reason, "'description' is required for new entries");
    assert.equal(
      (await u2f({ challenge: challenge['challenge'] ?? '' })).reason,
      "missing 'value' parameter (u2f challenge response missing)",
    );
    const finished = await u2f({ challenge: challenge['challenge'] ?? '', value: '{}' });
    assert.equal(finished.status, 500);
    assert.match(finished.reason, /register the key as WebAuthn/);
  });
});
