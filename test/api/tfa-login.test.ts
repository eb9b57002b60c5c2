/**
 * The two-step login on Proxmox's wire, over HTTP: a user with second factors gets `NeedTFA`
 * and a partial ticket bound to them; step two answers with `totp:<code>` or
 * `recovery:<key>`. TOTP codes cannot be replayed and recovery keys cannot be reused, also
 * through another node sharing the store. A tfa.cfg as Proxmox writes it imports, and its
 * user logs in.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/server.js';
import { hashPassword } from '../../src/auth/password.js';
import { ensureServerKeys } from '../../src/services/server-keys.js';
import { parseTfaCfg } from '../../src/formats/tfa-cfg.js';
import { parseUserId } from '../../src/model/ids.js';
import { bootstrap } from '../../src/services/bootstrap.js';
import { liveContext } from '../../src/services/context.js';
import { createUser } from '../../src/services/users.js';
import { encodeTfaUser, KEYS } from '../../src/store/codec.js';
import { LiveAccess } from '../../src/store/live.js';
import { MemoryStore } from '../../src/store/memory.js';
import { generateRecoveryKeys } from '../../src/tfa/recovery.js';
import { hotpCode } from '../../src/tfa/totp.js';

const NOW = 1_800_000_000;

// priv/tfa.cfg in the shape Proxmox VE writes it: a TOTP entry (secret JBSWY3DPEHPK3PXP).
const TFA_CFG =
  '{"users":{"alice@pve":{"totp":[{"id":"3f1c9a5e-0000-4000-8000-000000000001","description":"phone","created":1699990000,' +
  '"entry":{"totp":"otpauth://totp/Proxmox:alice%40pve?secret=JBSWY3DPEHPK3PXP&digits=6&algorithm=SHA1&period=30&issuer=Proxmox","last-count":56666667}}]}}}';

describe('two-step login with second factors', () => {
  const store = new MemoryStore();
  let nodeA: LiveAccess;
  let nodeB: LiveAccess;
  let appA: FastifyInstance;
  let appB: FastifyInstance;
  let recoveryKeys: string[];
  const failures: string[] = [];
  const alice = parseUserId('alice@pve');

  before(async () => {
    nodeA = await LiveAccess.open(store);
    const ctx = liveContext(nodeA);
    await bootstrap(ctx);
    await ensureServerKeys(ctx, NOW - 100);
    await createUser(ctx, { userid: alice, passwordHash: await hashPassword('alice password') });
    await createUser(ctx, {
      userid: parseUserId('bob@pve'),
      passwordHash: await hashPassword('bob password'),
    });
    const imported = parseTfaCfg(TFA_CFG, { now: NOW });
    assert.deepEqual(imported.diagnostics, []);
    const user = imported.value.users.get(alice);
    assert.ok(user);
    const recovery = generateRecoveryKeys(NOW);
    recoveryKeys = recovery.keys;
    await store.transact(
      [],
      [
        {
          op: 'put',
          key: KEYS.tfa(alice),
          value: encodeTfaUser({ ...user, recovery: recovery.stored }, 1),
        },
      ],
    );
    nodeB = await LiveAccess.open(store);
    const options = (live: LiveAccess) => ({
      live,
      now: () => NOW,
      authFailureDelayMs: 0,
      throttle: false as const,
      onAuthFailure: (event: { cause: string }) => failures.push(event.cause),
    });
    appA = await buildApi(options(nodeA));
    appB = await buildApi(options(nodeB));
  });
  after(async () => {
    await appA.close();
    await appB.close();
    await nodeA.close();
    await nodeB.close();
  });

  const post = async (app: FastifyInstance, form: Record<string, string>) => {
    const response = await app.inject({
      method: 'POST',
      url: '/api2/json/access/ticket',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams(form).toString(),
    });
    return {
      status: response.statusCode,
      data: (JSON.parse(response.body) as { data: Record<string, unknown> | null }).data,
    };
  };
  const stepOne = async (app = appA): Promise<string> => {
    const first = await post(app, { username: 'alice@pve', password: 'alice password' });
    assert.equal(first.status, 200);
    const data = first.data ?? {};
    assert.equal(data['NeedTFA'], 1);
    assert.equal(data['cap'], undefined);
    return String(data['ticket']);
  };
  const code = (step: number): string =>
    hotpCode(
      { secret: Buffer.from('48656c6c6f21deadbeef', 'hex'), algorithm: 'SHA1', digits: 6 },
      step,
    );

  it('answers step one with a partial ticket that lists the factors', async () => {
    const partial = await stepOne();
    assert.match(
      partial,
      /^PVE:!tfa!\{"totp"%3Atrue,"recovery"%3A\[0,1,2,3,4,5,6,7,8,9\]\}:[0-9A-F]{8}::/,
    );
    // The partial ticket is not a ticket.
    const use = await appA.inject({
      method: 'GET',
      url: '/api2/json/access/permissions',
      headers: { cookie: `PVEAuthCookie=${encodeURIComponent(partial)}` },
    });
    assert.equal(use.statusCode, 401);
    // A user without factors still logs in in one step.
    const bob = await post(appA, { username: 'bob@pve', password: 'bob password' });
    assert.equal(typeof bob.data?.['cap'], 'object');
  });

  it('completes with a TOTP code of the imported entry, once', async () => {
    const step = Math.floor(NOW / 30);
    const partial = await stepOne();
    const second = await post(appA, {
      username: 'alice@pve',
      'tfa-challenge': partial,
      password: `totp:${code(step)}`,
    });
    assert.equal(second.status, 200);
    assert.match(String(second.data?.['ticket']), /^PVE:alice@pve:/);
    assert.equal(typeof second.data?.['cap'], 'object');
    // The same code again, even through the other node, is a replay.
    const replay = await post(appB, {
      username: 'alice@pve',
      'tfa-challenge': await stepOne(appB),
      password: `totp:${code(step)}`,
    });
    assert.equal(replay.status, 401);
    assert.equal(failures.at(-1), 'tfa_wrong_code');
    const wrong = await post(appA, {
      username: 'alice@pve',
      'tfa-challenge': partial,
      password: 'totp:000000',
    });
    assert.equal(wrong.status, 401);
    // The next step's code is fine.
    const next = await post(appA, {
      username: 'alice@pve',
      'tfa-challenge': partial,
      password: `totp:${code(step + 1)}`,
    });
    assert.equal(next.status, 200);
  });

  it('uses a recovery key once, on every node', async () => {
    const key = recoveryKeys[4] ?? '';
    const ok = await post(appA, {
      username: 'alice@pve',
      'tfa-challenge': await stepOne(),
      password: `recovery:${key}`,
    });
    assert.equal(ok.status, 200);
    const again = await post(appB, {
      username: 'alice@pve',
      'tfa-challenge': await stepOne(appB),
      password: `recovery:${key}`,
    });
    assert.equal(again.status, 401);
    assert.match(await stepOne(appB), /"recovery"%3A\[0,1,2,3,5,6,7,8,9\]/);
  });

  it('refuses a partial ticket for another user, and answers of unknown kinds', async () => {
    const partial = await stepOne();
    const other = await post(appA, {
      username: 'bob@pve',
      'tfa-challenge': partial,
      password: `recovery:${recoveryKeys[0] ?? ''}`,
    });
    assert.equal(other.status, 401);
    assert.equal(failures.at(-1), 'tfa_challenge_invalid');
    const unknown = await post(appA, {
      username: 'alice@pve',
      'tfa-challenge': partial,
      password: 'carrier-pigeon:1',
    });
    assert.equal(unknown.status, 401);
  });
});
