/**
 * LDAP logins resolved as Proxmox resolves them, against a real slapd whose users are not
 * where a DN could be guessed: in nested OUs (ou=deep,ou=a,ou=b), under an RDN with escaped
 * characters (`cn=Doe\, John`), of another object class (account), and one outside base_dn.
 * The realm finds each by searching the subtree of base_dn, anonymously or as its bind DN,
 * and binds as the entry found; `filter` limits a sync, never a login; a user the directory
 * does not have is answered like a wrong password. TLS: ldaps and StartTLS with the test CA,
 * and client certificate files that only matter with `verify` (as in Proxmox).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/server.js';
import { parseRealmId, parseUserId } from '../../src/model/ids.js';
import { bootstrap } from '../../src/services/bootstrap.js';
import { liveContext, type ServiceContext } from '../../src/services/context.js';
import { syncRealm } from '../../src/services/realm-sync.js';
import { createRealm } from '../../src/services/realms.js';
import { ensureServerKeys } from '../../src/services/server-keys.js';
import { createUser } from '../../src/services/users.js';
import { LiveAccess } from '../../src/store/live.js';
import { MemoryStore } from '../../src/store/memory.js';
import { assertRefused, loginStatus, setRealmOptions } from '../support/realm-login.js';
import { ssha, startSlapd, type Slapd } from '../support/slapd.js';

const NOW = Math.floor(Date.now() / 1000);

describe('LDAP logins in a nested directory layout', { timeout: 60_000 }, () => {
  let slapd: Slapd;
  let live: LiveAccess;
  let ctx: ServiceContext;
  let app: FastifyInstance;
  const causes: { cause: string; reason: string }[] = [];
  const realm = parseRealmId('nest');
  const base = 'ou=b,dc=example,dc=com';

  before(async () => {
    slapd = await startSlapd({
      anonymousRead: true,
      users: [{ uid: 'outside', password: 'o-pw' }],
    });
    const ou = (dn: string) =>
      slapd.addEntry(dn, {
        objectClass: 'organizationalUnit',
        ou: /^ou=([^,]+)/.exec(dn)?.[1] ?? '',
      });
    await ou(base);
    await ou(`ou=a,${base}`);
    await ou(`ou=deep,ou=a,${base}`);
    const person = (dn: string, uid: string, cn: string, password: string) =>
      slapd.addEntry(dn, {
        objectClass: ['top', 'person', 'organizationalPerson', 'inetOrgPerson'],
        uid,
        cn,
        sn: cn,
        userPassword: ssha(password),
      });
    await person(`uid=nina,ou=a,${base}`, 'nina', 'Nina', 'nina-pw');
    await person(`cn=Doe\\, John,ou=deep,ou=a,${base}`, 'jdoe', 'Doe, John', 'jdoe-pw');
    await slapd.addEntry(`uid=svc1,${base}`, {
      objectClass: ['top', 'account', 'simpleSecurityObject'],
      uid: 'svc1',
      userPassword: ssha('svc1-pw'),
    });
    live = await LiveAccess.open(new MemoryStore());
    ctx = liveContext(live);
    await bootstrap(ctx);
    await ensureServerKeys(ctx, NOW - 10);
    await createRealm(ctx, realm, 'ldap', {
      server1: '127.0.0.1',
      port: slapd.port,
      base_dn: base,
      user_attr: 'uid',
      user_classes: 'inetorgperson, account',
    });
    for (const name of ['nina', 'jdoe', 'svc1', 'outside', 'ghost'])
      await createUser(ctx, { userid: parseUserId(`${name}@nest`) });
    app = await buildApi({
      live,
      authFailureDelayMs: 0,
      throttle: false,
      onAuthFailure: (event) => causes.push(event),
    });
  });

  after(async () => {
    await app.close();
    await live.close();
    await slapd.destroy();
  });

  const login = (username: string, password: string) => loginStatus(app, username, password);
  const refusedWith = (username: string, password: string, cause: string, reason?: RegExp) =>
    assertRefused(app, causes, { username, password }, cause, reason);
  const setOptions = (
    options: Record<string, string | number | boolean>,
    remove: string[] = [],
    password?: string,
  ) => setRealmOptions(ctx, realm, options, remove, password);

  const everyoneLogsIn = async () => {
    assert.equal(await login('nina@nest', 'nina-pw'), 200);
    assert.equal(await login('jdoe@nest', 'jdoe-pw'), 200);
    assert.equal(await login('svc1@nest', 'svc1-pw'), 200);
    await refusedWith('nina@nest', 'jdoe-pw', 'wrong_password', /uid=nina,ou=a,ou=b/);
    await refusedWith('jdoe@nest', 'nina-pw', 'wrong_password', /cn=Doe\\(,|2C) John,ou=deep/);
    await refusedWith('outside@nest', 'o-pw', 'ldap_user_not_found', /under 'ou=b,dc=example/);
  };

  it('finds users at any depth by an anonymous search of the subtree', async () => {
    await everyoneLogsIn();
    assert.match(causes.at(-1)?.reason ?? '', /searched anonymously/);
  });

  it('finds them as the bind DN too, and names a rejected bind DN', async () => {
    await setOptions({ bind_dn: slapd.serviceDn }, [], slapd.servicePassword);
    try {
      await everyoneLogsIn();
      await setOptions({}, [], 'not-it');
      await refusedWith('nina@nest', 'nina-pw', 'ldap_bind_rejected');
      await setOptions({}, ['password']);
      await refusedWith('nina@nest', 'nina-pw', 'ldap_bind_rejected', /no bind password/);
    } finally {
      await setOptions({}, ['bind_dn', 'password']);
    }
  });

  it('applies filter to a sync only: a user it excludes still logs in', async () => {
    await setOptions({ filter: '(!(uid=nina))' });
    try {
      assert.equal(await login('nina@nest', 'nina-pw'), 200);
      const dry = await syncRealm(ctx, realm, { scope: 'users', 'dry-run': true });
      const text = dry.log.join('\n');
      assert.doesNotMatch(text, /nina@nest/);
      assert.match(text, /jdoe@nest/);
      assert.match(text, /svc1@nest/);
    } finally {
      await setOptions({}, ['filter']);
    }
  });

  it('answers a user the directory lacks exactly like a wrong password', async () => {
    const answer = async (username: string, password: string) => {
      const response = await app.inject({
        method: 'POST',
        url: '/api2/json/access/ticket',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ username, password }).toString(),
      });
      return { status: response.statusCode, body: response.body, phrase: response.statusMessage };
    };
    const missing = await answer('ghost@nest', 'nina-pw');
    assert.equal(causes.at(-1)?.cause, 'ldap_user_not_found');
    const wrong = await answer('nina@nest', 'not-nina-pw');
    assert.equal(causes.at(-1)?.cause, 'wrong_password');
    assert.deepEqual(missing, wrong);
  });

  it('logs in over ldaps and StartTLS; client certificate files matter only with verify', async () => {
    try {
      await setOptions({
        mode: 'ldaps',
        port: slapd.ldapsPort,
        verify: true,
        capath: slapd.caFile,
      });
      assert.equal(await login('jdoe@nest', 'jdoe-pw'), 200);
      await setOptions({ mode: 'ldap+starttls', port: slapd.port, sslversion: 'tlsv1_3' });
      assert.equal(await login('jdoe@nest', 'jdoe-pw'), 200);
      // Proxmox neither reads nor sends cert and certkey without verify (and then skips the
      // anonymous bind): files that do not exist change nothing.
      await setOptions({
        verify: false,
        cert: '/nonexistent/client.crt',
        certkey: '/nonexistent/client.key',
      });
      assert.equal(await login('jdoe@nest', 'jdoe-pw'), 200);
      await setOptions({ verify: true });
      await refusedWith('jdoe@nest', 'jdoe-pw', 'ldap_error', /nonexistent\/client\.crt/);
    } finally {
      await setOptions({ mode: 'ldap', port: slapd.port }, [
        'verify',
        'capath',
        'cert',
        'certkey',
        'sslversion',
      ]);
    }
  });
});
