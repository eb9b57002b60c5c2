/**
 * The API's security behaviour: forged, expired, future-dated and other-user tickets; CSRF;
 * privilege-separated tokens; tokens at the login and password endpoints; line injection
 * through fields; JSON error bodies without internals; throttling and trusted proxies.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/server.js';
import { csrfToken } from '../../src/auth/csrf.js';
import { hashPassword } from '../../src/auth/password.js';
import { serverKeys } from '../../src/auth/server-keys.js';
import { ensureServerKeys } from '../../src/services/server-keys.js';
import { signTicket } from '../../src/auth/ticket.js';
import { exportFiles } from '../../src/services/transfer.js';
import { parseAclPath } from '../../src/model/acl-path.js';
import { parseRoleId, parseTokenName, parseUserId } from '../../src/model/ids.js';
import { modifyAcl } from '../../src/services/acl.js';
import { bootstrap } from '../../src/services/bootstrap.js';
import { liveContext } from '../../src/services/context.js';
import { createToken, updateToken } from '../../src/services/tokens.js';
import { createUser } from '../../src/services/users.js';
import { LiveAccess } from '../../src/store/live.js';
import { MemoryStore } from '../../src/store/memory.js';

const T = Math.floor(Date.now() / 1000);

describe('API security', () => {
  let live: LiveAccess;
  let app: FastifyInstance;
  let proxied: FastifyInstance;
  let adminPassword: string;
  let privsepSecret: string;
  let fullSecret: string;
  const bob = parseUserId('bob@pve');

  before(async () => {
    live = await LiveAccess.open(new MemoryStore());
    const ctx = liveContext(live);
    adminPassword = (await bootstrap(ctx)) ?? '';
    await ensureServerKeys(ctx, T - 100);
    await createUser(ctx, { userid: bob, passwordHash: await hashPassword('bob password') });
    await modifyAcl(ctx, {
      path: parseAclPath('/vms'),
      roles: [parseRoleId('PVEAdmin')],
      users: [bob],
    });
    privsepSecret = (await createToken(ctx, bob, parseTokenName('ci'))).value;
    fullSecret = (await createToken(ctx, bob, parseTokenName('full'), { privsep: false })).value;
    await modifyAcl(ctx, {
      path: parseAclPath('/vms/100'),
      roles: [parseRoleId('PVEAuditor')],
      tokens: [`${bob}!ci` as never],
    });
    const options = {
      live,
      authFailureDelayMs: 0,
      throttle: { failures: 3, windowSeconds: 60, banSeconds: 300, addressFailures: 15 },
    };
    app = await buildApi(options);
    proxied = await buildApi(options, undefined, ['127.0.0.1']);
  });
  after(async () => {
    await app.close();
    await proxied.close();
    await live.close();
  });

  const ticketFor = (userid: string, at: number): string => {
    const keys = serverKeys(live.snapshot);
    assert.ok(keys);
    return signTicket(keys.ring, 'PVE', userid, at);
  };

  const get = (headers: Record<string, string>, url = '/api2/json/access/permissions') =>
    app.inject({ method: 'GET', url, headers });

  it('refuses forged, expired, future-dated and partial tickets', async () => {
    const good = ticketFor('bob@pve', T);
    assert.equal(
      (await get({ cookie: `PVEAuthCookie=${encodeURIComponent(good)}` })).statusCode,
      200,
    );
    const forged = good.replace('bob@pve', 'admin@pve');
    const expired = ticketFor('bob@pve', T - 7200);
    const future = ticketFor('bob@pve', T + 400);
    const keys = serverKeys(live.snapshot);
    assert.ok(keys);
    const partial = signTicket(keys.ring, 'PVE', '!tfa!{}', T, 'bob@pve');
    for (const ticket of [
      forged,
      expired,
      future,
      partial,
      'PVE:bob@pve:00000000::AAAA',
      'garbage',
    ]) {
      const response = await get({ cookie: `PVEAuthCookie=${encodeURIComponent(ticket)}` });
      // pveproxy's answer: the cause in the status line; the body says nothing.
      assert.deepEqual(
        [response.statusCode, response.statusMessage, response.body],
        [401, 'Authentication failed!', '{"data":null}'],
        ticket,
      );
    }
    const none = await get({});
    assert.deepEqual([none.statusMessage, none.body], ['No ticket', '{"data":null}']);
  });

  it('requires the CSRF token of the same user for changes by ticket, not by API token', async () => {
    const keys = serverKeys(live.snapshot);
    assert.ok(keys);
    const admin = {
      cookie: `PVEAuthCookie=${encodeURIComponent(ticketFor('admin@pve', T))}`,
      'content-type': 'application/x-www-form-urlencoded',
    };
    const post = (headers: Record<string, string>, groupid: string) =>
      app.inject({
        method: 'POST',
        url: '/api2/json/access/groups',
        headers,
        payload: `groupid=${groupid}`,
      });
    assert.equal((await post(admin, 'g1')).statusCode, 401);
    assert.equal(
      (
        await post(
          { ...admin, csrfpreventiontoken: csrfToken(keys.csrfSecret, 'bob@pve', T) },
          'g1',
        )
      ).statusCode,
      401,
    );
    assert.equal(
      (
        await post(
          { ...admin, csrfpreventiontoken: csrfToken(keys.csrfSecret, 'admin@pve', T) },
          'g1',
        )
      ).statusCode,
      200,
    );
  });

  it('keeps a privilege-separated token within its own ACL and its owner', async () => {
    const as = (secret: string, name: string) => ({
      authorization: `PVEAPIToken=bob@pve!${name}=${secret}`,
    });
    const privsep = JSON.parse(
      (await get(as(privsepSecret, 'ci'), '/api2/json/access/permissions?path=/vms/100')).body,
    ) as { data: Record<string, Record<string, number>> };
    // The token's own ACL (PVEAuditor) within its owner's (PVEAdmin on /vms): audit only.
    const granted = Object.keys(privsep.data['/vms/100'] ?? {});
    assert.ok(granted.includes('VM.Audit'));
    assert.ok(!granted.includes('VM.PowerMgmt'));
    assert.ok(
      granted.every((p) => p.endsWith('.Audit')),
      granted.join(','),
    );
    const full = JSON.parse(
      (await get(as(fullSecret, 'full'), '/api2/json/access/permissions?path=/vms/100')).body,
    ) as {
      data: Record<string, Record<string, number>>;
    };
    assert.equal(full.data['/vms/100']?.['VM.PowerMgmt'], 1);
    assert.equal((await get(as('00000000-0000-4000-8000-000000000000', 'ci'))).statusCode, 401);
    // An expired token is refused.
    await updateToken(liveContext(live), `${bob}!full` as never, { expire: T - 10 });
    assert.equal((await get(as(fullSecret, 'full'))).statusCode, 401);
  });

  it('refuses API tokens at the password endpoint; tokens cannot log in', async () => {
    const response = await app.inject({
      method: 'PUT',
      url: '/api2/json/access/password',
      headers: {
        authorization: `PVEAPIToken=bob@pve!ci=${privsepSecret}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: 'userid=bob@pve&password=newpassword1',
    });
    assert.equal(response.statusCode, 403);
    const login = await app.inject({
      method: 'POST',
      url: '/api2/json/access/ticket',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `username=bob@pve!ci&password=${privsepSecret}`,
    });
    assert.equal(login.statusCode, 401);
  });

  it('lets no field inject a line or a field into user.cfg', async () => {
    const keys = serverKeys(live.snapshot);
    assert.ok(keys);
    const headers = {
      cookie: `PVEAuthCookie=${encodeURIComponent(ticketFor('admin@pve', T))}`,
      csrfpreventiontoken: csrfToken(keys.csrfSecret, 'admin@pve', T),
      'content-type': 'application/json',
    };
    const before = exportFiles(live.snapshot).files.get('user.cfg');
    for (const payload of [
      { userid: 'eve@pve', email: 'a:b@example.com' },
      { userid: 'eve@pve', keys: 'x\nacl:1:/:eve@pve:Administrator:' },
      { userid: 'eve@pve', keys: 'a:b' },
      { userid: 'eve@pve', firstname: 'a\u0000b' },
      { userid: 'eve\n@pve' },
      { userid: 'eve:x@pve' },
    ]) {
      const response = await app.inject({
        method: 'POST',
        url: '/api2/json/access/users',
        headers,
        payload,
      });
      assert.ok(response.statusCode === 400 || response.statusCode === 500, response.body);
      assert.equal((JSON.parse(response.body) as Record<string, unknown>)['data'], null);
      assert.doesNotMatch(response.body, /at .*\.js|Error:|stack/);
    }
    assert.equal(exportFiles(live.snapshot).files.get('user.cfg'), before);
    // Free text may hold a newline: it is percent-encoded, so it stays inside its field.
    const comment = await app.inject({
      method: 'POST',
      url: '/api2/json/access/users',
      headers,
      payload: { userid: 'eve@pve', comment: 'x\nuser:root@pam:1:0::::::' },
    });
    assert.equal(comment.statusCode, 200);
    const lines = (exportFiles(live.snapshot).files.get('user.cfg') ?? '').split('\n');
    assert.equal(lines.filter((l) => l.startsWith('user:root@pam')).length, 1);
    assert.ok(
      lines.includes('user:eve@pve:1:0::::x%0Auser%3Aroot@pam%3A1%3A0%3A%3A%3A%3A%3A%3A::'),
    );
  });

  it('answers unknown paths and malformed bodies with JSON, never a stack trace', async () => {
    const unknown = await app.inject({ method: 'GET', url: '/api2/json/nowhere' });
    assert.equal(unknown.headers['content-type'], 'application/json;charset=UTF-8');
    assert.equal((JSON.parse(unknown.body) as { data: unknown }).data, null);
    const malformed = await app.inject({
      method: 'POST',
      url: '/api2/json/access/ticket',
      headers: { 'content-type': 'application/json' },
      payload: '{"username":',
    });
    assert.equal(malformed.statusCode, 400);
    assert.doesNotMatch(malformed.body, /at .*\.js|stack/);
  });

  it('re-hashes a crypt(3) password from Proxmox as argon2id on the first successful login', async () => {
    // password123, as Proxmox's shadow.cfg stores it in api-flows.json.
    const crypt = '$5$fixedsalt$Mwah3bMSwvvaEV0hlWPoarnUvDU5s/ycQSAQL5.y0t6';
    await createUser(liveContext(live), { userid: parseUserId('carl@pve'), passwordHash: crypt });
    const login = (password: string) =>
      app.inject({
        method: 'POST',
        url: '/api2/json/access/ticket',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `username=carl@pve&password=${password}`,
      });
    assert.equal((await login('password123')).statusCode, 200);
    assert.match(live.snapshot.shadow.get('carl') ?? '', /^\$argon2id\$/);
    assert.equal((await login('password123')).statusCode, 200);
    assert.equal((await login('password124')).statusCode, 401);
  });

  it('throttles a client and user pair without locking the user out elsewhere', async () => {
    const login = (server: FastifyInstance, password: string, forwardedFor?: string) =>
      server.inject({
        method: 'POST',
        url: '/api2/json/access/ticket',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...(forwardedFor !== undefined ? { 'x-forwarded-for': forwardedFor } : {}),
        },
        payload: `username=admin@pve&password=${encodeURIComponent(password)}`,
      });
    // Through the trusted proxy, X-Forwarded-For names the client.
    for (let i = 0; i < 3; i++)
      assert.equal((await login(proxied, 'wrong', '203.0.113.5')).statusCode, 401);
    assert.equal((await login(proxied, adminPassword, '203.0.113.5')).statusCode, 401, 'throttled');
    assert.equal((await login(proxied, adminPassword, '10.1.1.1')).statusCode, 200, 'other client');
    // Without a trusted proxy the header is ignored: spoofing it does not dodge or cause bans.
    assert.equal((await login(app, adminPassword, '203.0.113.5')).statusCode, 200);
  });
});
