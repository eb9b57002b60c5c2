/**
 * Revocable sessions (beyond Proxmox): tickets issued before a password change, a disable, a
 * delete, a second-factor reset or "log out everywhere" are refused, by requests, renewals
 * and second-factor answers, on every node sharing the store; the login that follows a
 * revocation, even in the same second, works. `tessera user logout` does the same from the
 * command line, and each revocation is in the audit trail.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/server.js';
import { hashPassword } from '../../src/auth/password.js';
import { parseAclPath } from '../../src/model/acl-path.js';
import { parseRoleId, parseUserId } from '../../src/model/ids.js';
import { modifyAcl } from '../../src/services/acl.js';
import { bootstrap } from '../../src/services/bootstrap.js';
import { actingAs, liveContext, type ServiceContext } from '../../src/services/context.js';
import type { AuthFailureEvent } from '../../src/services/login/events.js';
import { ensureServerKeys } from '../../src/services/server-keys.js';
import { addTfaEntry, deleteTfaEntry } from '../../src/services/tfa-entries.js';
import { createUser } from '../../src/services/users.js';
import { LiveAccess } from '../../src/store/live.js';
import { openStore } from '../../src/store/open.js';
import { readChanges } from '../../src/diagnostics/events.js';
import { runCli } from '../support/cli.js';

const T = Math.floor(Date.now() / 1000);
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

interface Session {
  readonly ticket: string;
  readonly csrf: string;
}

describe('revocable sessions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-sessions-'));
  const storeUrl = `sqlite:${join(dir, 'tessera.db')}`;
  let clock = T;
  const now = (): number => clock;
  const failures: AuthFailureEvent[] = [];
  let live: LiveAccess;
  let otherLive: LiveAccess;
  let ctx: ServiceContext;
  let app: FastifyInstance;
  let otherNode: FastifyInstance;
  let adminPassword = '';
  const alice = parseUserId('alice@pve');

  before(async () => {
    live = await LiveAccess.open(await openStore(storeUrl));
    ctx = liveContext(live, { now });
    adminPassword = (await bootstrap(ctx)) ?? '';
    await ensureServerKeys(ctx, T - 100);
    await createUser(ctx, { userid: alice, passwordHash: await hashPassword('alice one') });
    await modifyAcl(ctx, {
      path: parseAclPath('/vms'),
      roles: [parseRoleId('PVEVMUser')],
      users: [alice],
    });
    const options = {
      authFailureDelayMs: 0,
      throttle: false as const,
      now,
      onAuthFailure: (event: AuthFailureEvent) => failures.push(event),
    };
    app = await buildApi({ ...options, live });
    // A second node: its own process state, the same store.
    otherLive = await LiveAccess.open(await openStore(storeUrl));
    otherNode = await buildApi({ ...options, live: otherLive });
  });
  after(async () => {
    await app.close();
    await otherNode.close();
    await live.close();
    await otherLive.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const login = async (
    username: string,
    password: string,
    extra: Record<string, string> = {},
    node = app,
  ) => {
    const reply = await node.inject({
      method: 'POST',
      url: '/api2/json/access/ticket',
      headers: FORM,
      payload: new URLSearchParams({ username, password, ...extra }).toString(),
    });
    const data =
      reply.json<{ data: { ticket?: string; CSRFPreventionToken?: string } | null }>().data ?? {};
    return {
      status: reply.statusCode,
      ticket: data.ticket ?? '',
      csrf: data.CSRFPreventionToken ?? '',
    };
  };
  const session = async (username: string, password: string): Promise<Session> => {
    const result = await login(username, password);
    assert.equal(result.status, 200, `login of ${username}`);
    return result;
  };
  const status = async (s: Session, node = app): Promise<number> =>
    (
      await node.inject({
        method: 'GET',
        url: '/api2/json/access/permissions',
        headers: { cookie: `PVEAuthCookie=${encodeURIComponent(s.ticket)}` },
      })
    ).statusCode;
  const call = async (s: Session, method: 'POST' | 'PUT' | 'DELETE', url: string, body = {}) =>
    app.inject({
      method,
      url: `/api2/json${url}`,
      headers: {
        ...FORM,
        cookie: `PVEAuthCookie=${encodeURIComponent(s.ticket)}`,
        csrfpreventiontoken: s.csrf,
      },
      payload: new URLSearchParams(body).toString(),
    });
  const lastCause = (): string | undefined => failures.at(-1)?.cause;

  it('a password change refuses older tickets, even of the same second; the next login works', async () => {
    clock = T;
    const before = await session('alice@pve', 'alice one');
    const admin = await session('admin@pve', adminPassword);
    assert.equal(await status(before), 200);
    const changed = await call(before, 'PUT', '/access/password', {
      userid: 'alice@pve',
      password: 'alice two',
      'confirmation-password': 'alice one',
    });
    assert.equal(changed.statusCode, 200, changed.body);
    assert.equal(await status(before), 401);
    assert.equal(lastCause(), 'ticket_revoked');
    // A renewal with the revoked ticket is refused too.
    assert.equal((await login('alice@pve', before.ticket)).status, 401);
    assert.equal(lastCause(), 'ticket_revoked');
    // Still the same second: the new login's ticket is valid now and later.
    const after = await session('alice@pve', 'alice two');
    assert.equal(await status(after), 200);
    clock = T + 1;
    assert.equal(await status(after), 200);
    // Other users' sessions are untouched.
    assert.equal(await status(admin), 200);
  });

  it('a disable refuses older tickets, and enabling again does not bring them back', async () => {
    clock = T + 10;
    const mine = await session('alice@pve', 'alice two');
    const admin = await session('admin@pve', adminPassword);
    clock = T + 11;
    assert.equal(
      (await call(admin, 'PUT', '/access/users/alice@pve', { enable: '0' })).statusCode,
      200,
    );
    assert.equal(await status(mine), 401);
    assert.equal(
      (await call(admin, 'PUT', '/access/users/alice@pve', { enable: '1' })).statusCode,
      200,
    );
    assert.equal(await status(mine), 401);
    assert.equal(lastCause(), 'ticket_revoked');
    assert.equal(await status(await session('alice@pve', 'alice two')), 200);
    // A change that is not a disable leaves the sessions alone.
    const fresh = await session('alice@pve', 'alice two');
    assert.equal(
      (await call(admin, 'PUT', '/access/users/alice@pve', { comment: 'x' })).statusCode,
      200,
    );
    assert.equal(await status(fresh), 200);
  });

  it('a user deleted and created again does not inherit the old tickets', async () => {
    clock = T + 20;
    const bob = parseUserId('bob@pve');
    await createUser(ctx, { userid: bob, passwordHash: await hashPassword('bob secret') });
    const old = await session('bob@pve', 'bob secret');
    const admin = await session('admin@pve', adminPassword);
    clock = T + 21;
    assert.equal((await call(admin, 'DELETE', '/access/users/bob@pve')).statusCode, 200);
    assert.equal(
      (await call(admin, 'POST', '/access/users', { userid: 'bob@pve', password: 'bob again' }))
        .statusCode,
      200,
    );
    assert.equal(await status(old), 401);
    assert.equal(lastCause(), 'ticket_revoked');
    assert.equal(await status(await session('bob@pve', 'bob again')), 200);
  });

  it('logs out everywhere: oneself, another user with User.Modify, never without it', async () => {
    clock = T + 30;
    const first = await session('alice@pve', 'alice two');
    const second = await session('alice@pve', 'alice two');
    const admin = await session('admin@pve', adminPassword);
    clock = T + 31;
    // alice may not log out the administrator.
    const refused = await call(first, 'POST', '/access/tessera/logout', { userid: 'admin@pve' });
    assert.equal(refused.statusCode, 403);
    assert.equal(await status(admin), 200);
    const bad = await call(first, 'POST', '/access/tessera/logout', { userid: 'alice' });
    assert.equal(bad.statusCode, 400);
    assert.equal((await call(first, 'POST', '/access/tessera/logout')).statusCode, 200);
    assert.equal(await status(first), 401);
    assert.equal(await status(second), 401);
    const third = await session('alice@pve', 'alice two');
    clock = T + 32;
    assert.equal(
      (await call(admin, 'POST', '/access/tessera/logout', { userid: 'alice@pve' })).statusCode,
      200,
    );
    assert.equal(await status(third), 401);
    assert.equal(await status(admin), 200);
    const trail = await readChanges(live.store, { entity: 'user', id: 'alice@pve' });
    const logouts = trail.filter((e) => e.action === 'logout');
    assert.deepEqual(
      logouts.map((e) => [e.actor, e.outcome]),
      [
        ['alice@pve', 'success'],
        ['admin@pve', 'success'],
      ],
    );
  });

  it('a second-factor reset refuses older tickets and partial tickets', async () => {
    clock = T + 40;
    const carol = parseUserId('carol@pve');
    await createUser(ctx, { userid: carol, passwordHash: await hashPassword('carol secret') });
    const asCarol = actingAs(ctx, { authid: carol, userid: carol, address: '192.0.2.1' });
    const yubikey = async (description: string): Promise<string> =>
      addTfaEntry(
        asCarol,
        carol,
        { type: 'yubico', description, publicId: 'cccccccccccb' },
        clock,
        { password: 'carol secret' },
      );
    const one = await yubikey('one');
    const two = await yubikey('two');
    // The partial ticket of a login that waits for the second factor.
    const partial = await login('carol@pve', 'carol secret');
    assert.equal(partial.status, 200);
    assert.match(partial.ticket, /^PVE:!tfa!/);
    const answer = { username: 'carol@pve', 'tfa-challenge': partial.ticket };
    // Carol removes one of two factors herself: a partial ticket stays usable.
    clock = T + 41;
    await deleteTfaEntry(asCarol, carol, one, { password: 'carol secret' });
    failures.length = 0;
    assert.equal((await login('carol@pve', 'yubico:cccccccccccbxxxx', answer)).status, 401);
    assert.notEqual(lastCause(), 'ticket_revoked');
    // An administrator removes the other: the login in progress is refused.
    clock = T + 42;
    await deleteTfaEntry(ctx, carol, two);
    assert.equal((await login('carol@pve', 'yubico:cccccccccccbxxxx', answer)).status, 401);
    assert.equal(lastCause(), 'ticket_revoked');
    // Without factors, carol logs in with her password; her own delete, even of her last
    // factor, leaves her sessions alone.
    const plain = await session('carol@pve', 'carol secret');
    const three = await yubikey('three');
    clock = T + 43;
    await deleteTfaEntry(asCarol, carol, three, { password: 'carol secret' });
    assert.equal(await status(plain), 200);
    // An administrator's delete of any factor is a reset.
    const four = await yubikey('four');
    await yubikey('five');
    clock = T + 44;
    await deleteTfaEntry(ctx, carol, four);
    assert.equal(await status(plain), 401);
  });

  it('is seen by every node sharing the store', async () => {
    // The command line has the system clock: the ticket must be older than its revocation.
    clock = Math.floor(Date.now() / 1000) - 2;
    const dave = parseUserId('dave@pve');
    await createUser(ctx, { userid: dave, passwordHash: await hashPassword('dave secret') });
    await otherLive.waitForRevision(live.snapshot.revision);
    const there = await login('dave@pve', 'dave secret', {}, otherNode);
    assert.equal(there.status, 200);
    assert.equal(await status(there, otherNode), 200);
    const result = await runCli('--store', storeUrl, 'user', 'logout', 'dave@pve');
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /logged out dave@pve everywhere/);
    const deadline = Date.now() + 5000;
    while ((await status(there, otherNode)) !== 401 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 25));
    assert.equal(await status(there, otherNode), 401);
    await live.waitForRevision(otherLive.snapshot.revision);
    assert.equal(await status(there, app), 401);
    const unknown = await runCli('--store', storeUrl, 'user', 'logout', 'nobody@pve');
    assert.notEqual(unknown.status, 0);
    assert.match(unknown.stderr, /no such user/);
    const trail = await readChanges(live.store, { entity: 'user', id: 'dave@pve' });
    assert.deepEqual(
      trail.filter((e) => e.action === 'logout').map((e) => [e.actor, e.rhost]),
      [['root@pam', 'cli']],
    );
  });
});
