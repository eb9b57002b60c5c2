/**
 * LDAP realms against a real OpenLDAP (slapd, started by the test on loopback): sync of users
 * and groups (vanished users, changed groups, dry run, the empty-answer guard), logins over
 * plain LDAP, LDAPS and StartTLS with a CA the test generated, and every failure cause
 * (server stopped, CA not trusted, service bind rejected, user not found, wrong password),
 * a filter that limits the sync but not a login, plus an LDAP-injection attempt through the
 * user name. Nested layouts and anonymous searches: ldap-layout.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/server.js';
import { csrfToken } from '../../src/auth/csrf.js';
import { serverKeys } from '../../src/auth/server-keys.js';
import { ensureServerKeys } from '../../src/services/server-keys.js';
import { signTicket } from '../../src/auth/ticket.js';
import { parseRealmId, parseUserId } from '../../src/model/ids.js';
import { bootstrap } from '../../src/services/bootstrap.js';
import { liveContext, storeContext, type ServiceContext } from '../../src/services/context.js';
import { syncRealm } from '../../src/services/realm-sync.js';
import { createRealm } from '../../src/services/realms.js';
import { createUser } from '../../src/services/users.js';
import { LiveAccess } from '../../src/store/live.js';
import { MemoryStore } from '../../src/store/memory.js';
import { openStore } from '../../src/store/open.js';
import { runCli } from '../support/cli.js';
import { assertRefused, loginStatus, setRealmOptions } from '../support/realm-login.js';
import { startSlapd, type Slapd } from '../support/slapd.js';

const NOW = Math.floor(Date.now() / 1000);

describe('LDAP realm against slapd', { timeout: 60_000 }, () => {
  let slapd: Slapd;
  let live: LiveAccess;
  let ctx: ServiceContext;
  let app: FastifyInstance;
  const causes: { cause: string; reason: string }[] = [];
  const realm = parseRealmId('corp');

  before(async () => {
    slapd = await startSlapd({
      users: [
        {
          uid: 'alice',
          password: 'alice-pw',
          givenName: 'Alice',
          sn: 'Liddell',
          mail: 'alice@example.com',
        },
        { uid: 'bob', password: 'bob-pw', mail: 'bob@example.com' },
        { uid: 'carol', password: 'carol-pw' },
      ],
      groups: [
        { cn: 'admins', members: ['alice'] },
        { cn: 'staff', members: ['alice', 'bob'] },
      ],
    });
    live = await LiveAccess.open(new MemoryStore());
    ctx = liveContext(live);
    await bootstrap(ctx);
    await ensureServerKeys(ctx, NOW - 10);
    await createRealm(
      ctx,
      realm,
      'ldap',
      {
        server1: '127.0.0.1',
        port: slapd.port,
        base_dn: slapd.peopleDn,
        user_attr: 'uid',
        bind_dn: slapd.serviceDn,
        group_dn: slapd.groupsDn,
        sync_attributes: 'email=mail,firstname=givenName,lastname=sn',
      },
      slapd.servicePassword,
    );
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

  it('syncs users with their attributes and groups', async () => {
    const report = await syncRealm(ctx, realm, { scope: 'both' });
    assert.ok(report.log.includes("adding user 'alice@corp'"), report.log.join('\n'));
    const alice = live.snapshot.users.users.get(parseUserId('alice@corp'));
    assert.equal(alice?.email, 'alice@example.com');
    assert.equal(alice.firstname, 'Alice');
    assert.equal(alice.lastname, 'Liddell');
    assert.equal(alice.enable, true);
    const staff = live.snapshot.users.groups.get('staff-corp' as never);
    assert.deepEqual([...(staff?.members ?? [])].sort(), ['alice@corp', 'bob@corp']);
    assert.deepEqual(
      [...(live.snapshot.users.groups.get('admins-corp' as never)?.members ?? [])],
      ['alice@corp'],
    );
  });

  it('logs in over plain LDAP after finding the user with the service account', async () => {
    assert.equal(await login('alice@corp', 'alice-pw'), 200);
    await refusedWith('alice@corp', 'wrong', 'wrong_password');
    await refusedWith('alice@corp', '', 'wrong_password');
    // case-sensitive 0: the name as typed finds the configured user.
    await refusedWith('ALICE@corp', 'alice-pw', 'unknown_user');
    await setOptions({ 'case-sensitive': false });
    assert.equal(await login('ALICE@corp', 'alice-pw'), 200);
    await setOptions({}, ['case-sensitive']);
  });

  it('names a user missing from the directory; the filter limits a sync, not a login', async () => {
    await createUser(ctx, { userid: parseUserId('dave@corp') });
    await refusedWith('dave@corp', 'x', 'ldap_user_not_found', /no entry with uid=dave/);
    await setOptions({ filter: '(mail=*)' });
    try {
      // As in Proxmox: carol has no mail, the filter leaves her out of a sync only.
      assert.equal(await login('carol@corp', 'carol-pw'), 200);
      await refusedWith('carol@corp', 'wrong', 'wrong_password');
      const dry = await syncRealm(ctx, realm, { scope: 'users', 'dry-run': true });
      assert.ok(!dry.log.some((line) => line.includes("'carol@corp'")), dry.log.join('\n'));
      assert.equal(await login('bob@corp', 'bob-pw'), 200);
    } finally {
      await setOptions({}, ['filter']);
    }
  });

  it('escapes the user name: a name of wildcards finds nobody', async () => {
    await createUser(ctx, { userid: parseUserId('*@corp') });
    await refusedWith('*@corp', 'alice-pw', 'ldap_user_not_found');
    await createUser(ctx, { userid: parseUserId('alice)(uid=*@corp') });
    await refusedWith('alice)(uid=*@corp', 'alice-pw', 'ldap_user_not_found');
  });

  it('searches anonymously without a service account, and binds as the entry found', async () => {
    await setOptions({}, ['bind_dn', 'password']);
    try {
      // This directory shows anonymous clients nothing: Proxmox would not find alice either.
      await refusedWith('alice@corp', 'alice-pw', 'ldap_user_not_found', /searched anonymously/);
    } finally {
      await setOptions({ bind_dn: slapd.serviceDn }, [], slapd.servicePassword);
    }
  });

  it('reports a rejected service account', async () => {
    await setOptions({}, [], 'not-the-password');
    await refusedWith(
      'alice@corp',
      'alice-pw',
      'ldap_bind_rejected',
      /rejected the bind DN 'cn=tessera/,
    );
    await assert.rejects(syncRealm(ctx, realm, { scope: 'both' }), /rejected the bind DN/);
    await setOptions({}, [], slapd.servicePassword);
  });

  it('logs in over LDAPS and StartTLS with the CA, and names an untrusted certificate', async () => {
    await setOptions({ mode: 'ldaps', port: slapd.ldapsPort, verify: true, capath: slapd.caFile });
    assert.equal(await login('alice@corp', 'alice-pw'), 200);
    await setOptions({ capath: slapd.otherCaFile });
    await refusedWith('alice@corp', 'alice-pw', 'ldap_tls', /certificate/);
    await setOptions({ mode: 'ldap+starttls', port: slapd.port, capath: slapd.caFile });
    assert.equal(await login('alice@corp', 'alice-pw'), 200);
    await setOptions({ capath: slapd.otherCaFile });
    await refusedWith('alice@corp', 'alice-pw', 'ldap_tls');
    await setOptions({ mode: 'ldap' }, ['verify', 'capath']);
  });

  it('names an unreachable server, and falls back to server2', async () => {
    await slapd.stop();
    try {
      await refusedWith(
        'alice@corp',
        'alice-pw',
        'ldap_unreachable',
        /127\.0\.0\.1:\d+ unreachable/,
      );
    } finally {
      await slapd.start();
    }
    await setOptions({ server1: '127.0.0.2', server2: '127.0.0.1' });
    // Nothing listens on 127.0.0.2 at that port: the second server answers.
    assert.equal(await login('alice@corp', 'alice-pw'), 200);
    await setOptions({ server1: '127.0.0.1' }, ['server2']);
  });

  it('syncs vanished users and changed groups, with a dry run first', async () => {
    await slapd.removeUser('bob');
    await slapd.setGroupMembers('admins', ['alice', 'carol']);
    const dry = await syncRealm(ctx, realm, {
      scope: 'both',
      'remove-vanished': 'acl;entry',
      'dry-run': true,
    });
    assert.ok(dry.log.includes("remove user 'bob@corp'"), dry.log.join('\n'));
    assert.ok(live.snapshot.users.users.has(parseUserId('bob@corp')), 'dry run changed nothing');
    await syncRealm(ctx, realm, { scope: 'both', 'remove-vanished': 'acl;entry' });
    assert.equal(live.snapshot.users.users.has(parseUserId('bob@corp')), false);
    assert.deepEqual(
      [...(live.snapshot.users.groups.get('admins-corp' as never)?.members ?? [])].sort(),
      ['alice@corp', 'carol@corp'],
    );
    assert.deepEqual(
      [...(live.snapshot.users.groups.get('staff-corp' as never)?.members ?? [])],
      ['alice@corp'],
    );
  });

  it('syncs through the API with Proxmox privilege checks, and through the command line', async () => {
    const keys = serverKeys(live.snapshot);
    assert.ok(keys);
    const as = (userid: string) => ({
      cookie: `PVEAuthCookie=${encodeURIComponent(signTicket(keys.ring, 'PVE', userid, NOW))}`,
      csrfpreventiontoken: csrfToken(keys.csrfSecret, userid, NOW),
      'content-type': 'application/x-www-form-urlencoded',
    });
    const sync = (userid: string) =>
      app.inject({
        method: 'POST',
        url: '/api2/json/access/domains/corp/sync',
        headers: as(userid),
        payload: 'scope=both&dry-run=1',
      });
    const root = await sync('root@pam');
    assert.equal(root.statusCode, 200, root.body);
    // As in Proxmox: the answer is the task's UPID; the log is read through the tasks API.
    const upid = (JSON.parse(root.body) as { data: string }).data;
    assert.match(
      upid,
      /^UPID:[^:]+:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:auth-realm-sync-test:corp:root@pam:$/,
    );
    const node = upid.split(':')[1] ?? '';
    const read = async (what: string) =>
      JSON.parse(
        (
          await app.inject({
            method: 'GET',
            url: `/api2/json/nodes/${node}/tasks/${encodeURIComponent(upid)}/${what}`,
            headers: as('root@pam'),
          })
        ).body,
      ) as { data: unknown };
    let status = (await read('status')).data as { status: string; exitstatus?: string };
    for (let i = 0; i < 100 && status.status === 'running'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      status = (await read('status')).data as { status: string; exitstatus?: string };
    }
    assert.equal(status.exitstatus, 'OK');
    const log = ((await read('log?limit=0')).data as { t: string }[]).map((l) => l.t);
    assert.equal(log[0], '(dry test run) starting sync for realm corp');
    assert.ok(log.includes("updated user 'alice@corp'"), log.join('\n'));
    assert.ok(
      log.includes('NOTE: Dry test run, changes were NOT written to the configuration.'),
      log.join('\n'),
    );
    assert.equal(log.at(-1), 'TASK OK');
    const nobody = await sync('alice@corp');
    assert.equal(nobody.statusCode, 403);

    const dir = await mkdtemp(join(tmpdir(), 'tessera-sync-'));
    const url = `sqlite:${join(dir, 'tessera.db')}`;
    const store = await openStore(url);
    await createRealm(
      storeContext(store),
      realm,
      'ldap',
      {
        server1: '127.0.0.1',
        port: slapd.port,
        base_dn: slapd.peopleDn,
        user_attr: 'uid',
        bind_dn: slapd.serviceDn,
        group_dn: slapd.groupsDn,
      },
      slapd.servicePassword,
    );
    await store.close();
    const cli = await runCli('--store', url, 'realm', 'sync', 'corp', '--scope', 'both');
    assert.equal(cli.status, 0, cli.stderr);
    assert.match(cli.stdout, /adding user 'alice@corp'/);
    assert.match(cli.stdout, /\nsuccessfully updated users and groups configuration\nTASK OK\n$/);
    const shown = await runCli('--store', url, 'config', 'show', 'user.cfg');
    assert.match(shown.stdout, /^user:alice@corp:1:0:/m);
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a sync whose search finds no users instead of removing everyone', async () => {
    await setOptions({ filter: '(uid=nobody-matches)' });
    const users = live.snapshot.users.users.size;
    await assert.rejects(
      syncRealm(ctx, realm, { scope: 'users', 'remove-vanished': 'entry' }),
      /the directory returned no users while realm 'corp' has/,
    );
    assert.equal(live.snapshot.users.users.size, users);
    await setOptions({}, ['filter']);
  });
});
