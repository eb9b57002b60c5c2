/**
 * `POST /access/tessera/domains/check`: "Test connection" of the realm form, against a real
 * slapd and a port nothing listens on. It answers what worked or failed, stores nothing, uses
 * the stored bind password only as changing the realm would allow, and never says the password.
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
import { ensureServerKeys } from '../../src/services/server-keys.js';
import { LiveAccess } from '../../src/store/live.js';
import { MemoryStore } from '../../src/store/memory.js';
import { freePort } from '../support/serve.js';
import { startSlapd, type Slapd } from '../support/slapd.js';

const NOW = Math.floor(Date.now() / 1000);
const CHECK = '/access/tessera/domains/check';

describe('testing a realm connection without saving', { timeout: 90_000 }, () => {
  let slapd: Slapd;
  let live: LiveAccess;
  let app: FastifyInstance;
  let closedPort: number;

  before(async () => {
    slapd = await startSlapd();
    closedPort = await freePort();
    live = await LiveAccess.open(new MemoryStore());
    const ctx = liveContext(live);
    await bootstrap(ctx);
    await ensureServerKeys(ctx, NOW - 10);
    app = await buildApi({ live, authFailureDelayMs: 0, throttle: false });
  });

  after(async () => {
    await app.close();
    await live.close();
    await slapd.destroy();
  });

  const call = async (
    method: 'POST' | 'PUT',
    path: string,
    params: Record<string, string>,
    as = 'root@pam',
  ) => {
    const keys = serverKeys(live.snapshot);
    assert.ok(keys);
    const response = await app.inject({
      method,
      url: `/api2/json${path}`,
      headers: {
        cookie: `PVEAuthCookie=${encodeURIComponent(signTicket(keys.ring, 'PVE', as, NOW))}`,
        csrfpreventiontoken: csrfToken(keys.csrfSecret, as, NOW),
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: new URLSearchParams(params).toString(),
    });
    const body = JSON.parse(response.body) as {
      data?: { ok: number; message: string } | null;
      message?: string;
      errors?: Record<string, string>;
    };
    return { status: response.statusCode, ...body };
  };

  const ldap = (extra: Record<string, string> = {}) => ({
    type: 'ldap',
    server1: '127.0.0.1',
    port: String(slapd.port),
    base_dn: slapd.peopleDn,
    user_attr: 'uid',
    ...extra,
  });

  it('binds with settings that are not stored, and stores nothing', async () => {
    const revision = live.snapshot.revision;
    const good = await call('POST', CHECK, {
      ...ldap({ bind_dn: slapd.serviceDn }),
      password: slapd.servicePassword,
    });
    assert.equal(good.status, 200, good.message);
    assert.deepEqual(good.data, { ok: 1, message: `Connected and bound as ${slapd.serviceDn}.` });
    const anonymous = await call('POST', CHECK, ldap());
    assert.deepEqual(anonymous.data, { ok: 1, message: 'Connected and bound anonymously.' });
    assert.equal(live.snapshot.revision, revision);
  });

  it('says why a connection failed: wrong bind password, nothing listening', async () => {
    const wrong = await call('POST', CHECK, {
      ...ldap({ bind_dn: slapd.serviceDn }),
      password: 'not-it',
    });
    assert.equal(wrong.status, 200);
    assert.deepEqual(wrong.data, { ok: 0, message: 'ldap bind failed: Invalid credentials' });
    const closed = await call('POST', CHECK, ldap({ port: String(closedPort) }));
    assert.deepEqual(closed.data, { ok: 0, message: 'Connection refused' });
    const missing = await call('POST', CHECK, ldap({ bind_dn: slapd.serviceDn }));
    assert.deepEqual(missing.data, { ok: 0, message: 'missing password for realm new' });
  });

  it('names the field of settings it cannot use', async () => {
    const noType = await call('POST', CHECK, { server1: '127.0.0.1' });
    assert.equal(noType.status, 400);
    assert.deepEqual(noType.errors, {
      type: 'the type is required for a realm that is not stored',
    });
    const noBase = await call('POST', CHECK, {
      type: 'ldap',
      server1: '127.0.0.1',
      user_attr: 'uid',
    });
    assert.equal(noBase.status, 400);
    assert.deepEqual(noBase.errors, { base_dn: "missing value for required option 'base_dn'" });
    const pve = await call('POST', CHECK, { type: 'pve' });
    assert.deepEqual(pve.errors, { type: "realms of type 'pve' have no server to connect to" });
  });

  it('uses the stored bind password of a stored realm unless one is typed', async () => {
    const added = await call('POST', '/access/domains', {
      realm: 'corp',
      ...ldap({ bind_dn: slapd.serviceDn }),
      password: slapd.servicePassword,
    });
    assert.equal(added.status, 200, added.message);
    const stored = await call('POST', CHECK, { realm: 'corp' });
    assert.deepEqual(stored.data, { ok: 1, message: `Connected and bound as ${slapd.serviceDn}.` });
    const typed = await call('POST', CHECK, { realm: 'corp', password: 'not-it' });
    assert.deepEqual(typed.data, { ok: 0, message: 'ldap bind failed: Invalid credentials' });
    const moved = await call('POST', CHECK, { realm: 'corp', port: String(closedPort) });
    assert.deepEqual(moved.data, { ok: 0, message: 'Connection refused' });
    const otherType = await call('POST', CHECK, { realm: 'corp', type: 'ad' });
    assert.deepEqual(otherType.errors, { type: "realm 'corp' is of type 'ldap', not 'ad'" });
    assert.equal(
      live.snapshot.domains.realms.get(parseRealmId('corp'))?.options.get('port'),
      slapd.port,
    );
  });

  it('takes Realm.Allocate, and the stored password elsewhere only as changing the realm would', async () => {
    const setup: [string, Record<string, string>][] = [
      ['/access/roles', { roleid: 'RealmAdmin', privs: 'Realm.Allocate' }],
      ['/access/users', { userid: 'realms@pve' }],
      ['/access/users', { userid: 'nobody@pve' }],
      ['/access/users', { userid: 'boss@corp' }],
    ];
    for (const [path, params] of setup) {
      const done = await call('POST', path, params);
      assert.equal(done.status, 200, done.message);
    }
    for (const acl of [
      { path: '/access/realm', roles: 'RealmAdmin', users: 'realms@pve' },
      { path: '/', roles: 'Administrator', users: 'boss@corp' },
    ]) {
      const done = await call('PUT', '/access/acl', acl);
      assert.equal(done.status, 200, done.message);
    }
    const refused = await call('POST', CHECK, ldap(), 'nobody@pve');
    assert.equal(refused.status, 403);
    // Its own settings and password: nothing of the stored realm's is handed over.
    const own = await call('POST', CHECK, ldap(), 'realms@pve');
    assert.deepEqual(own.data, { ok: 1, message: 'Connected and bound anonymously.' });
    const unchanged = await call('POST', CHECK, { realm: 'corp' }, 'realms@pve');
    assert.equal(unchanged.data?.ok, 1);
    // The stored password sent to another server would hand boss@corp's identity over.
    const elsewhere = await call(
      'POST',
      CHECK,
      { realm: 'corp', server1: 'localhost' },
      'realms@pve',
    );
    assert.equal(elsewhere.status, 403, JSON.stringify(elsewhere));
    const typed = await call(
      'POST',
      CHECK,
      { realm: 'corp', server1: 'localhost', password: slapd.servicePassword },
      'realms@pve',
    );
    assert.equal(typed.data?.ok, 1, JSON.stringify(typed));
  });
});
