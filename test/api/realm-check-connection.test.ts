/**
 * `check-connection` on `POST /access/domains` and `PUT /access/domains/{realm}`, as Proxmox
 * honours it: the realm binds (its bind DN with the given or stored password, or anonymously)
 * before anything is stored, and a failure is answered 500 with Proxmox's words while the
 * configuration stays as it was; only ldap and ad realms take the option at all. Against a
 * real slapd, and a port nothing listens on.
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

describe('check-connection of directory realms', { timeout: 60_000 }, () => {
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

  const call = async (method: 'POST' | 'PUT', path: string, params: Record<string, string>) => {
    const keys = serverKeys(live.snapshot);
    assert.ok(keys);
    const response = await app.inject({
      method,
      url: `/api2/json${path}`,
      headers: {
        cookie: `PVEAuthCookie=${encodeURIComponent(signTicket(keys.ring, 'PVE', 'root@pam', NOW))}`,
        csrfpreventiontoken: csrfToken(keys.csrfSecret, 'root@pam', NOW),
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: new URLSearchParams(params).toString(),
    });
    const body = JSON.parse(response.body) as { message?: string };
    return { status: response.statusCode, message: body.message };
  };

  const ldap = (realm: string, extra: Record<string, string> = {}) => ({
    realm,
    type: 'ldap',
    server1: '127.0.0.1',
    port: String(slapd.port),
    base_dn: slapd.peopleDn,
    user_attr: 'uid',
    ...extra,
  });

  it('refuses to add a realm whose server does not answer, and stores nothing', async () => {
    const revision = live.snapshot.revision;
    const refused = await call('POST', '/access/domains', {
      ...ldap('closed', { port: String(closedPort) }),
      'check-connection': '1',
    });
    assert.equal(refused.status, 500);
    assert.equal(refused.message, 'add auth server failed: Connection refused\n');
    assert.equal(live.snapshot.domains.realms.has(parseRealmId('closed')), false);
    assert.equal(live.snapshot.revision, revision);
    // Without the check, Proxmox stores it.
    const unchecked = await call('POST', '/access/domains', {
      ...ldap('closed', { port: String(closedPort) }),
      'check-connection': '0',
    });
    assert.equal(unchecked.status, 200, unchecked.message);
  });

  it('binds as the bind DN with the given password, or refuses with the bind error', async () => {
    const wrong = await call('POST', '/access/domains', {
      ...ldap('corp', { bind_dn: slapd.serviceDn }),
      password: 'not-it',
      'check-connection': '1',
    });
    assert.equal(wrong.status, 500);
    assert.equal(wrong.message, 'add auth server failed: ldap bind failed: Invalid credentials\n');
    const missing = await call('POST', '/access/domains', {
      ...ldap('corp', { bind_dn: slapd.serviceDn }),
      'check-connection': '1',
    });
    assert.equal(missing.message, 'add auth server failed: missing password for realm corp\n');
    assert.equal(live.snapshot.domains.realms.has(parseRealmId('corp')), false);
    assert.equal(live.snapshot.realmSecrets.has(parseRealmId('corp')), false);

    const added = await call('POST', '/access/domains', {
      ...ldap('corp', { bind_dn: slapd.serviceDn }),
      password: slapd.servicePassword,
      'check-connection': '1',
    });
    assert.equal(added.status, 200, added.message);
    // Anonymously, when there is no bind DN.
    const anonymous = await call('POST', '/access/domains', {
      ...ldap('anon'),
      'check-connection': '1',
    });
    assert.equal(anonymous.status, 200, anonymous.message);
  });

  it('checks an update with the changed settings and the stored password', async () => {
    const corp = parseRealmId('corp');
    const before = live.snapshot.domains.realms.get(corp);
    const revision = live.snapshot.revision;
    const closed = await call('PUT', '/access/domains/corp', {
      port: String(closedPort),
      'check-connection': '1',
    });
    assert.equal(closed.status, 500);
    assert.equal(closed.message, 'update auth server failed: Connection refused\n');
    const wrong = await call('PUT', '/access/domains/corp', {
      password: 'not-it',
      'check-connection': '1',
    });
    assert.equal(
      wrong.message,
      'update auth server failed: ldap bind failed: Invalid credentials\n',
    );
    const dropped = await call('PUT', '/access/domains/corp', {
      delete: 'password',
      'check-connection': '1',
    });
    assert.equal(dropped.message, 'update auth server failed: missing password for realm corp\n');
    assert.equal(live.snapshot.revision, revision);
    assert.deepEqual(live.snapshot.domains.realms.get(corp), before);
    assert.equal(live.snapshot.realmSecrets.get(corp), slapd.servicePassword);
    // The stored password binds.
    const fine = await call('PUT', '/access/domains/corp', {
      comment: 'checked',
      'check-connection': '1',
    });
    assert.equal(fine.status, 200, fine.message);
    assert.equal(live.snapshot.domains.realms.get(corp)?.options.get('comment'), 'checked');
  });

  it('refuses the option for realms other than ldap and ad, as Proxmox does', async () => {
    const openid = await call('POST', '/access/domains', {
      realm: 'sso',
      type: 'openid',
      'issuer-url': 'https://login.example.com',
      'client-id': 'tessera',
      'check-connection': '0',
    });
    assert.equal(openid.status, 500);
    assert.equal(
      openid.message,
      "add auth server failed: 'check-connection' parameter can only be set for realms of type 'ldap' or 'ad'\n",
    );
    assert.equal(live.snapshot.domains.realms.has(parseRealmId('sso')), false);
    const pve = await call('PUT', '/access/domains/pve', {
      comment: 'x',
      'check-connection': '1',
    });
    assert.equal(pve.status, 500);
    assert.equal(
      pve.message,
      "update auth server failed: 'check-connection' parameter can only be set for realms of type 'ldap' or 'ad'\n",
    );
  });
});
