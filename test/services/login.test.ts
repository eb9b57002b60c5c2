/**
 * The login pipeline (services/login/login.ts) on its own, with a realm module of the test's
 * making: the steps run in order, a refused account never reaches the realm but costs its
 * decoy, every outcome is reported to the event sink, failures count in the throttle, and a
 * ticket, a renewal and Proxmox's privilege check come out of the same pipeline.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LoginThrottle } from '../../src/auth/throttle.js';
import { AuthFailure } from '../../src/errors.js';
import { parseAclPath } from '../../src/model/acl-path.js';
import { parseRoleId, parseUserId } from '../../src/model/ids.js';
import type { RealmConfig } from '../../src/model/realm.js';
import { engineFor } from '../../src/permissions/current.js';
import type { Realm } from '../../src/realms/realm.js';
import { modifyAcl } from '../../src/services/acl.js';
import { bootstrap } from '../../src/services/bootstrap.js';
import { liveContext } from '../../src/services/context.js';
import type { AuthFailureEvent, AuthSuccessEvent } from '../../src/services/login/events.js';
import { login, type LoginDeps, type LoginRequest } from '../../src/services/login/login.js';
import { ensureServerKeys } from '../../src/services/server-keys.js';
import { PROXMOX_LOCKOUT } from '../../src/services/tfa.js';
import { createUser, updateUser } from '../../src/services/users.js';
import { LiveAccess } from '../../src/store/live.js';
import { MemoryStore } from '../../src/store/memory.js';

/** A pve realm whose password is `right`, counting what it is asked. */
function countingRealm(): Realm & { calls: { authenticate: number; decoy: number } } {
  const calls = { authenticate: 0, decoy: 0 };
  return {
    type: 'pve',
    calls,
    authenticate: ({ password }) => {
      calls.authenticate++;
      if (password !== 'right')
        return Promise.reject(new AuthFailure('invalid credentials', 'wrong_password'));
      return Promise.resolve({ rehash: false });
    },
    decoy: () => {
      calls.decoy++;
      return Promise.resolve();
    },
    check: () => Promise.resolve({ kind: 'local', detail: 'test realm' }),
  };
}

describe('login pipeline', () => {
  let live: LiveAccess;
  let realm: ReturnType<typeof countingRealm>;
  let throttle: LoginThrottle;
  const failed: AuthFailureEvent[] = [];
  const succeeded: AuthSuccessEvent[] = [];
  let deps: LoginDeps;
  const request = (over: Partial<LoginRequest>): LoginRequest => ({
    username: 'alice@pve',
    password: 'right',
    address: '192.0.2.7',
    origin: { protocol: 'https', host: 'localhost:8006' },
    ...over,
  });

  before(async () => {
    live = await LiveAccess.open(new MemoryStore());
    const ctx = liveContext(live);
    await ensureServerKeys(ctx, Math.floor(Date.now() / 1000));
    await bootstrap(ctx);
    for (const name of ['alice@pve', 'dora@pve'])
      await createUser(ctx, { userid: parseUserId(name) });
    await updateUser(ctx, parseUserId('dora@pve'), { enable: false });
    await modifyAcl(ctx, {
      path: parseAclPath('/vms'),
      roles: [parseRoleId('PVEVMUser')],
      users: [parseUserId('alice@pve')],
    });
    realm = countingRealm();
    throttle = new LoginThrottle({
      failures: 3,
      windowSeconds: 60,
      banSeconds: 300,
      addressFailures: 100,
    });
    deps = {
      services: ctx,
      view: () => ({ snapshot: live.snapshot, engine: engineFor(live) }),
      environment: {},
      throttle,
      secondFactor: { offline: undefined, webauthn: {}, lockout: PROXMOX_LOCKOUT },
      events: { failed: (e) => failed.push(e), succeeded: (e) => succeeded.push(e) },
      now: () => Math.floor(Date.now() / 1000),
      realms: (config: RealmConfig) => {
        assert.equal(config.type, 'pve');
        return realm;
      },
    };
  });

  after(async () => {
    await live.close();
  });

  it('issues a ticket for the right password and reports how', async () => {
    const result = await login(deps, request({}));
    assert.equal(result.kind, 'ticket');
    assert.equal(result.userid, 'alice@pve');
    assert.deepEqual(succeeded.at(-1), {
      kind: 'login',
      rhost: '192.0.2.7',
      user: 'alice@pve',
      reason: 'password',
    });
  });

  it('renews a session when the password is a ticket of the user', async () => {
    const first = await login(deps, request({}));
    if (first.kind !== 'ticket') throw new Error(`expected a ticket, got ${first.kind}`);
    const before = realm.calls.authenticate;
    const renewed = await login(deps, request({ password: first.ticket }));
    assert.equal(renewed.kind, 'ticket');
    assert.equal(realm.calls.authenticate, before, 'a renewal does not ask the realm');
    assert.equal(succeeded.at(-1)?.reason, 'ticket renewal');
  });

  it('answers Proxmox privilege checks from the same first factor', async () => {
    const allowed = await login(
      deps,
      request({ privilegeCheck: { path: '/vms/100', privs: 'VM.Console' } }),
    );
    assert.equal(allowed.kind, 'allowed');
    await assert.rejects(
      login(deps, request({ privilegeCheck: { path: '/', privs: 'Sys.Modify' } })),
      (err: unknown) => err instanceof AuthFailure && err.code === 'no_permission',
    );
  });

  it('refuses a disabled account before the realm is asked, at the cost of its decoy', async () => {
    const { authenticate, decoy } = realm.calls;
    await assert.rejects(
      login(deps, request({ username: 'dora@pve' })),
      (err: unknown) => err instanceof AuthFailure && err.code === 'user_disabled',
    );
    assert.equal(realm.calls.authenticate, authenticate);
    assert.equal(realm.calls.decoy, decoy + 1);
    assert.equal(failed.at(-1)?.cause, 'user_disabled');
    assert.equal(failed.at(-1)?.user, 'dora@pve');
  });

  it('names the cause of each failure for the audit log, never for the client', async () => {
    await assert.rejects(login(deps, request({ username: 'alice@nowhere' })), (err: unknown) => {
      assert.ok(err instanceof AuthFailure);
      assert.equal(err.code, 'unknown_realm');
      assert.equal(err.status, 401);
      assert.equal(err.publicMessage, 'authentication failure');
      return true;
    });
    await assert.rejects(
      login(deps, request({ username: 'bob@pve' })),
      (err: unknown) => err instanceof AuthFailure && err.code === 'unknown_user',
    );
  });

  it('counts failures in the throttle and then refuses before any work', async () => {
    const victim = request({ username: 'alice@pve', password: 'wrong', address: '198.51.100.9' });
    for (let i = 0; i < 3; i++)
      await assert.rejects(
        login(deps, victim),
        (err: unknown) => err instanceof AuthFailure && err.code === 'wrong_password',
      );
    const asked = realm.calls.authenticate;
    await assert.rejects(
      login(deps, { ...victim, password: 'right' }),
      (err: unknown) => err instanceof AuthFailure && err.code === 'throttled',
    );
    assert.equal(realm.calls.authenticate, asked, 'a throttled login never reaches the realm');
    assert.equal(failed.at(-1)?.cause, 'throttled');
  });
});
