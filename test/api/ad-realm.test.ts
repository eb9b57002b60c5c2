/**
 * An `ad` realm against a real Active Directory (Samba AD DC on loopback, started by the
 * test): a sync of users (by sAMAccountName) and groups with their attributes, logins that
 * bind as `<user>@<domain>` over plain LDAP, StartTLS and LDAPS, and the causes AD itself
 * gives (wrong password "data 52e", disabled account "data 533"), a certificate that does not
 * name the address the realm connects to, a rejected service account, and a stopped server;
 * a realm without base_dn syncs from the directory's defaultNamingContext, and
 * check-connection binds before such a realm is stored.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/server.js';
import { ensureServerKeys } from '../../src/services/server-keys.js';
import { parseRealmId, parseUserId } from '../../src/model/ids.js';
import { bootstrap } from '../../src/services/bootstrap.js';
import { liveContext, type ServiceContext } from '../../src/services/context.js';
import { syncRealm } from '../../src/services/realm-sync.js';
import { createRealm, updateRealm } from '../../src/services/realms.js';
import { createUser } from '../../src/services/users.js';
import { LiveAccess } from '../../src/store/live.js';
import { MemoryStore } from '../../src/store/memory.js';
import { assertRefused, loginStatus, setRealmOptions } from '../support/realm-login.js';
import { startSambaAd, type SambaAd } from '../support/samba-ad.js';

const NOW = Math.floor(Date.now() / 1000);
const SERVICE_PASSWORD = 'Svc-Passw0rd!';

describe('AD realm against Samba AD DC', { timeout: 120_000 }, () => {
  let ad: SambaAd;
  let live: LiveAccess;
  let ctx: ServiceContext;
  let app: FastifyInstance;
  const causes: { cause: string; reason: string }[] = [];
  const realm = parseRealmId('corp');

  before(async () => {
    const started = Date.now();
    ad = await startSambaAd({
      users: [
        {
          name: 'dave',
          password: 'Dave-Passw0rd!',
          givenName: 'Dave',
          surname: 'Doe',
          mail: 'dave@tessera.test',
        },
        {
          name: 'erin',
          password: 'Erin-Passw0rd!',
          givenName: 'Erin',
          surname: 'Example',
          disabled: true,
        },
        // The realm's service account: a plain domain user, which may read the directory.
        {
          name: 'tessera-svc',
          password: SERVICE_PASSWORD,
          givenName: 'Tessera',
          surname: 'Service',
        },
      ],
      groups: [
        { name: 'tessera-admins', members: ['dave'] },
        { name: 'tessera-staff', members: ['dave', 'erin'] },
      ],
    });
    cleanups.push(() => ad.destroy());
    const { provision, populate, start } = ad.timings;
    console.error(
      `samba-ad: provision ${String(provision)} ms, users and groups ${String(populate)} ms, start ${String(start)} ms, total ${String(Date.now() - started)} ms`,
    );
    live = await LiveAccess.open(new MemoryStore());
    cleanups.push(() => live.close());
    ctx = liveContext(live);
    await bootstrap(ctx);
    await ensureServerKeys(ctx, NOW - 10);
    await createRealm(
      ctx,
      realm,
      'ad',
      {
        server1: '127.0.0.1',
        domain: ad.domain,
        base_dn: ad.usersDn,
        bind_dn: ad.userDn('tessera-svc'),
        // Built-in accounts (Administrator, Guest, krbtgt) are critical system objects.
        filter: '(!(isCriticalSystemObject=TRUE))',
        group_filter: '(cn=tessera-*)',
        sync_attributes: 'email=mail,firstname=givenName,lastname=sn',
      },
      SERVICE_PASSWORD,
    );
    app = await buildApi({
      live,
      authFailureDelayMs: 0,
      throttle: false,
      onAuthFailure: (event) => causes.push(event),
    });
    cleanups.push(() => app.close());
  });

  // In reverse order of creation; a failed start-up cleans up what it got to.
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  const login = (username: string, password: string) => loginStatus(app, username, password);
  const refusedWith = (username: string, password: string, cause: string, reason?: RegExp) =>
    assertRefused(app, causes, { username, password }, cause, reason);
  const setOptions = (
    options: Record<string, string | number | boolean>,
    remove: string[] = [],
    password?: string,
  ) => setRealmOptions(ctx, realm, options, remove, password);

  it('syncs users by sAMAccountName with their attributes, and groups', async () => {
    const report = await syncRealm(ctx, realm, { scope: 'both' });
    assert.ok(report.log.includes("adding user 'dave@corp'"), report.log.join('\n'));
    const users = [...live.snapshot.users.users.keys()].filter((u) => u.endsWith('@corp')).sort();
    assert.deepEqual(users, ['dave@corp', 'erin@corp', 'tessera-svc@corp']);
    const dave = live.snapshot.users.users.get(parseUserId('dave@corp'));
    assert.equal(dave?.email, 'dave@tessera.test');
    assert.equal(dave.firstname, 'Dave');
    assert.equal(dave.lastname, 'Doe');
    assert.deepEqual(
      [...(live.snapshot.users.groups.get('tessera-admins-corp' as never)?.members ?? [])],
      ['dave@corp'],
    );
    assert.deepEqual(
      [...(live.snapshot.users.groups.get('tessera-staff-corp' as never)?.members ?? [])].sort(),
      ['dave@corp', 'erin@corp'],
    );
    const groups = [...live.snapshot.users.groups.keys()].filter((g) => g.endsWith('-corp'));
    assert.deepEqual(groups.sort(), ['tessera-admins-corp', 'tessera-staff-corp']);
  });

  it('logs in over plain LDAP, binding as <name>@<domain>', async () => {
    assert.equal(await login('dave@corp', 'Dave-Passw0rd!'), 200);
    await refusedWith('dave@corp', 'wrong', 'wrong_password');
    await refusedWith('dave@corp', '', 'wrong_password');
  });

  it('names a disabled account (data 533)', async () => {
    await refusedWith('erin@corp', 'Erin-Passw0rd!', 'ldap_account_disabled', /data 533/);
  });

  it('treats a name AD does not know like a wrong password (data 52e)', async () => {
    await createUser(ctx, { userid: parseUserId('ghost@corp') });
    await refusedWith('ghost@corp', 'Ghost-Passw0rd!', 'wrong_password');
  });

  it('logs in over StartTLS and LDAPS; names a certificate for another host', async () => {
    await setOptions({ mode: 'ldap+starttls' });
    assert.equal(await login('dave@corp', 'Dave-Passw0rd!'), 200);
    await setOptions({ mode: 'ldaps', port: ad.ldapsPort });
    assert.equal(await login('dave@corp', 'Dave-Passw0rd!'), 200);
    // The CA is trusted, but the certificate names DC1.tessera.test, not 127.0.0.1.
    await setOptions({ verify: true, capath: ad.caFile });
    await refusedWith(
      'dave@corp',
      'Dave-Passw0rd!',
      'ldap_tls',
      /IP: 127\.0\.0\.1 is not in the cert's list/,
    );
    // Without the CA, the chain itself is refused.
    await setOptions({}, ['capath']);
    await refusedWith('dave@corp', 'Dave-Passw0rd!', 'ldap_tls', /certificate/);
    await setOptions({ verify: false });
    assert.equal(await login('dave@corp', 'Dave-Passw0rd!'), 200);
    await refusedWith('erin@corp', 'Erin-Passw0rd!', 'ldap_account_disabled');
    await setOptions({ mode: 'ldap' }, ['port', 'verify']);
  });

  it('reports a rejected service account in a sync', async () => {
    await setOptions({}, [], 'not-the-password');
    await assert.rejects(syncRealm(ctx, realm, { scope: 'both' }), /rejected the bind DN/);
    // A login binds as the user alone: the service account plays no part.
    assert.equal(await login('dave@corp', 'Dave-Passw0rd!'), 200);
    await setOptions({}, [], SERVICE_PASSWORD);
  });

  it("without base_dn, syncs from the directory's defaultNamingContext; check-connection binds", async () => {
    const win = parseRealmId('win');
    const options = {
      server1: '127.0.0.1',
      domain: ad.domain,
      bind_dn: ad.userDn('tessera-svc'),
      filter: '(!(isCriticalSystemObject=TRUE))',
      group_filter: '(cn=tessera-*)',
    };
    await assert.rejects(
      createRealm(ctx, win, 'ad', options, 'not-the-password', true),
      /^TesseraError: add auth server failed: ldap bind failed: .*data 52e/,
    );
    assert.equal(live.snapshot.domains.realms.has(win), false);
    await createRealm(ctx, win, 'ad', options, SERVICE_PASSWORD, true);
    const report = await syncRealm(ctx, win, { scope: 'both' });
    const log = report.log.join('\n');
    assert.match(log, /adding user 'dave@win'/);
    assert.match(log, /adding user 'erin@win'/);
    assert.deepEqual(
      [...(live.snapshot.users.groups.get('tessera-staff-win' as never)?.members ?? [])].sort(),
      ['dave@win', 'erin@win'],
    );
    assert.equal(await login('dave@win', 'Dave-Passw0rd!'), 200);
    // Anonymously: Samba lets an anonymous client bind and read the root DSE.
    await setRealmOptions(ctx, win, {}, ['bind_dn', 'password']);
    await updateRealm(ctx, win, { options: { comment: 'anonymous' }, checkConnection: true });
  });

  it('names a stopped server', async () => {
    await ad.stop();
    try {
      await refusedWith(
        'dave@corp',
        'Dave-Passw0rd!',
        'ldap_unreachable',
        /127\.0\.0\.1:389 unreachable/,
      );
    } finally {
      await ad.start();
    }
    assert.equal(await login('dave@corp', 'Dave-Passw0rd!'), 200);
  });
});
