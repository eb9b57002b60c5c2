/**
 * Delegated administration never escalates (issue 16, finding 3): dave holds PVEUserAdmin on
 * `/access/groups/X`; frank is in X and in `admins` (Administrator on `/`). Proxmox lets dave
 * make a token for frank and grant himself Administrator with it, disable frank or take him
 * out of `admins`; Tessera refuses every change to an account that holds privileges the
 * actor lacks, and every change that would hand out privileges the actor lacks
 * (docs/compatibility.md).
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { csrfToken } from '../../src/auth/csrf.js';
import { serverKeys } from '../../src/auth/server-keys.js';
import { signTicket } from '../../src/auth/ticket.js';
import { buildApi } from '../../src/api/server.js';
import { parseAclPath } from '../../src/model/acl-path.js';
import { parseGroupId, parseRealmId, parseRoleId, parseUserId } from '../../src/model/ids.js';
import { modifyAcl } from '../../src/services/acl.js';
import { bootstrap } from '../../src/services/bootstrap.js';
import { liveContext } from '../../src/services/context.js';
import { createGroup } from '../../src/services/groups.js';
import { ensureServerKeys } from '../../src/services/server-keys.js';
import { createRealm, deleteRealm } from '../../src/services/realms.js';
import { createRole } from '../../src/services/roles.js';
import { createUser } from '../../src/services/users.js';
import { LiveAccess } from '../../src/store/live.js';
import { MemoryStore } from '../../src/store/memory.js';

const T = Math.floor(Date.now() / 1000);

interface Answer {
  readonly status: number;
  readonly body: { data?: unknown; message?: string; errors?: Record<string, string> };
}

describe('delegated administration does not escalate', () => {
  let live: LiveAccess;
  let app: FastifyInstance;

  async function setUp(): Promise<void> {
    live = await LiveAccess.open(new MemoryStore());
    const ctx = liveContext(live);
    await bootstrap(ctx);
    await ensureServerKeys(ctx, T - 100);
    for (const group of ['X', 'admins', 'ops']) await createGroup(ctx, parseGroupId(group));
    await createRole(ctx, parseRoleId('Helper'), ['VM.Audit']);
    await createRole(ctx, parseRoleId('RoleEditor'), ['Sys.Modify']);
    await createRole(ctx, parseRoleId('UserMaker'), ['Realm.AllocateUser']);
    await createUser(ctx, { userid: parseUserId('dave@pve'), groups: [parseGroupId('X')] });
    await createUser(ctx, {
      userid: parseUserId('frank@pve'),
      groups: [parseGroupId('X'), parseGroupId('admins')],
    });
    await createUser(ctx, { userid: parseUserId('erin@pve'), groups: [parseGroupId('X')] });
    await createUser(ctx, { userid: parseUserId('uma@pve') });
    await modifyAcl(ctx, {
      path: parseAclPath('/access/groups/X'),
      roles: [parseRoleId('PVEUserAdmin')],
      users: [parseUserId('dave@pve')],
    });
    await modifyAcl(ctx, {
      path: parseAclPath('/'),
      roles: [parseRoleId('Administrator')],
      groups: [parseGroupId('admins')],
    });
    await modifyAcl(ctx, {
      path: parseAclPath('/vms'),
      roles: [parseRoleId('PVEVMAdmin')],
      groups: [parseGroupId('ops')],
    });
    await modifyAcl(ctx, {
      path: parseAclPath('/access/realm/pve'),
      roles: [parseRoleId('UserMaker')],
      users: [parseUserId('dave@pve')],
    });
    // uma may edit roles (Sys.Modify on /access) and holds Helper on /vms.
    await modifyAcl(ctx, {
      path: parseAclPath('/access'),
      roles: [parseRoleId('RoleEditor')],
      users: [parseUserId('uma@pve')],
    });
    await modifyAcl(ctx, {
      path: parseAclPath('/vms'),
      roles: [parseRoleId('Helper')],
      users: [parseUserId('uma@pve')],
    });
    app = await buildApi({ live, authFailureDelayMs: 0, throttle: false });
  }

  before(setUp);
  beforeEach(async () => {
    await app.close();
    await live.close();
    await setUp();
  });
  after(async () => {
    await app.close();
    await live.close();
  });

  async function call(
    who: string,
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    params: Record<string, string> = {},
  ): Promise<Answer> {
    const keys = serverKeys(live.snapshot);
    assert.ok(keys);
    const auth: Record<string, string> = who.startsWith('PVEAPIToken=')
      ? { authorization: who }
      : {
          cookie: `PVEAuthCookie=${encodeURIComponent(signTicket(keys.ring, 'PVE', who, T))}`,
          csrfpreventiontoken: csrfToken(keys.csrfSecret, who, T),
        };
    const form = new URLSearchParams(params).toString();
    const response = await app.inject({
      method,
      url: `/api2/json${path}${method === 'GET' && form !== '' ? `?${form}` : ''}`,
      headers: {
        ...auth,
        ...(method !== 'GET' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(method !== 'GET' ? { payload: form } : {}),
    });
    return { status: response.statusCode, body: JSON.parse(response.body) as Answer['body'] };
  }

  const refused = (answer: Answer, why: RegExp): void => {
    assert.equal(answer.status, 403, JSON.stringify(answer.body));
    assert.match(answer.body.message ?? '', why);
  };
  const holdsMore = /frank@pve holds .* on \/.*which you do not hold/;

  it('refuses a token for a more privileged user, so dave cannot grant himself Administrator', async () => {
    const made = await call('dave@pve', 'POST', '/access/users/frank@pve/token/t1', {
      privsep: '0',
    });
    refused(made, holdsMore);
    assert.equal(live.snapshot.users.tokens.size, 0);
    const acl = live.snapshot.users.acl.get(parseAclPath('/'));
    assert.equal(acl?.users.has(parseUserId('dave@pve')), false);
  });

  it('refuses to disable, expire, regroup, delete or re-password a more privileged user', async () => {
    // A delegated administrator names groups on every update (Proxmox's `userid-group`).
    const update = (params: Record<string, string>) =>
      call('dave@pve', 'PUT', '/access/users/frank@pve', { groups: 'X', append: '1', ...params });
    refused(await update({ enable: '0' }), holdsMore);
    refused(await update({ expire: '1' }), holdsMore);
    refused(await update({ append: '0' }), holdsMore);
    refused(await call('dave@pve', 'DELETE', '/access/users/frank@pve'), holdsMore);
    refused(
      await call('dave@pve', 'PUT', '/access/password', {
        userid: 'frank@pve',
        password: 'new-password-1',
        'confirmation-password': 'whatever',
      }),
      holdsMore,
    );
    refused(
      await call('dave@pve', 'POST', '/access/tfa/frank@pve', { type: 'recovery' }),
      holdsMore,
    );
    refused(
      await call('dave@pve', 'POST', '/access/tessera/logout', { userid: 'frank@pve' }),
      holdsMore,
    );
    assert.equal(live.snapshot.sessions.has(parseUserId('frank@pve')), false);
    const frank = live.snapshot.users.users.get(parseUserId('frank@pve'));
    assert.equal(frank?.enable, true);
    assert.equal(live.snapshot.users.groups.get(parseGroupId('admins'))?.members.size, 1);
  });

  it('still lets dave manage users who hold nothing beyond his own privileges', async () => {
    const made = await call('dave@pve', 'POST', '/access/users/erin@pve/token/t1');
    assert.equal(made.status, 200, JSON.stringify(made.body));
    const changed = await call('dave@pve', 'PUT', '/access/users/erin@pve', {
      enable: '0',
      groups: 'X',
    });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    const created = await call('dave@pve', 'POST', '/access/users', {
      userid: 'gina@pve',
      groups: 'X',
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const loggedOut = await call('dave@pve', 'POST', '/access/tessera/logout', {
      userid: 'erin@pve',
    });
    assert.equal(loggedOut.status, 200, JSON.stringify(loggedOut.body));
  });

  it('refuses membership that hands out privileges the actor lacks', async () => {
    // Dave also administers users of `ops` and `admins`' members must stay out of reach.
    await modifyAcl(liveContext(live), {
      path: parseAclPath('/access/groups/ops'),
      roles: [parseRoleId('PVEUserAdmin')],
      users: [parseUserId('dave@pve')],
    });
    const grant = /would hold VM\.\S+ on \/vms.*which you do not hold/;
    refused(
      await call('dave@pve', 'PUT', '/access/users/erin@pve', { groups: 'ops', append: '1' }),
      /erin@pve would hold VM\.\S+ on \/vms.*which you do not hold/,
    );
    refused(
      await call('dave@pve', 'POST', '/access/users', { userid: 'hal@pve', groups: 'ops' }),
      grant,
    );
    refused(
      await call('dave@pve', 'PUT', '/access/users/dave@pve', { groups: 'ops', append: '1' }),
      grant,
    );
    assert.equal(live.snapshot.users.groups.get(parseGroupId('ops'))?.members.size, 0);
    assert.equal(live.snapshot.users.users.has(parseUserId('hal@pve')), false);
  });

  it('refuses to add privileges to a role where the actor does not hold them', async () => {
    refused(
      await call('uma@pve', 'PUT', '/access/roles/Helper', {
        privs: 'VM.PowerMgmt',
        append: '1',
      }),
      /VM\.PowerMgmt on \/vms/,
    );
    assert.deepEqual(
      [...(live.snapshot.users.roles.get(parseRoleId('Helper'))?.privileges ?? [])],
      ['VM.Audit'],
    );
    // Privileges she holds where the role is assigned may be added.
    const ok = await call('uma@pve', 'PUT', '/access/roles/Helper', { privs: 'VM.Audit' });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
  });

  it('refuses to delete a group or a role that restricts a more privileged user', async () => {
    const ctx = liveContext(live);
    await createGroup(ctx, parseGroupId('jail'));
    await createRole(ctx, parseRoleId('GroupAdmin'), ['Group.Allocate']);
    await modifyAcl(ctx, {
      path: parseAclPath('/access/groups'),
      roles: [parseRoleId('GroupAdmin')],
      users: [parseUserId('uma@pve')],
    });
    // frank is Administrator on /, but jail takes /vms/100 away and Helper leaves him only
    // VM.Audit on /vms/200.
    await call('root@pam', 'PUT', '/access/users/frank@pve', { groups: 'jail', append: '1' });
    await modifyAcl(ctx, {
      path: parseAclPath('/vms/100'),
      roles: [parseRoleId('NoAccess')],
      groups: [parseGroupId('jail')],
    });
    await modifyAcl(ctx, {
      path: parseAclPath('/vms/200'),
      roles: [parseRoleId('Helper')],
      users: [parseUserId('frank@pve')],
    });
    refused(
      await call('uma@pve', 'DELETE', '/access/groups/jail'),
      /frank@pve would gain \S+ on \/vms\/100, which you do not hold/,
    );
    refused(
      await call('uma@pve', 'DELETE', '/access/roles/Helper'),
      /frank@pve would gain \S+ on \/vms\/200, which you do not hold/,
    );
    assert.ok(live.snapshot.users.groups.has(parseGroupId('jail')));
    assert.ok(live.snapshot.users.roles.has(parseRoleId('Helper')));
    const empty = await call('uma@pve', 'DELETE', '/access/groups/ops');
    assert.equal(empty.status, 200, JSON.stringify(empty.body));
  });

  it('refuses to change how a realm identifies users who hold more than the actor', async () => {
    const ctx = liveContext(live);
    const ldap = { server1: 'ldap.example.com', base_dn: 'dc=example,dc=com', user_attr: 'uid' };
    await createRealm(ctx, parseRealmId('corp'), 'ldap', ldap);
    await createRealm(ctx, parseRealmId('lab'), 'ldap', ldap);
    await createUser(ctx, { userid: parseUserId('boss@corp'), groups: [parseGroupId('admins')] });
    await createUser(ctx, { userid: parseUserId('temp@corp'), groups: [parseGroupId('X')] });
    await createUser(ctx, { userid: parseUserId('tina@lab'), groups: [parseGroupId('X')] });
    await createRole(ctx, parseRoleId('RealmMaker'), ['Realm.Allocate']);
    await modifyAcl(ctx, {
      path: parseAclPath('/access/realm'),
      roles: [parseRoleId('RealmMaker')],
      users: [parseUserId('dave@pve')],
    });
    const bossHoldsMore =
      /boss@corp holds .* on \/.*which you do not hold: changing how the users of realm 'corp' log in/;
    refused(
      await call('dave@pve', 'PUT', '/access/domains/corp', { server1: 'evil.example.net' }),
      bossHoldsMore,
    );
    refused(
      await call('dave@pve', 'PUT', '/access/domains/corp', { password: 'bind secret' }),
      bossHoldsMore,
    );
    assert.equal(
      live.snapshot.domains.realms.get(parseRealmId('corp'))?.options.get('server1'),
      'ldap.example.com',
    );
    const comment = await call('dave@pve', 'PUT', '/access/domains/corp', { comment: 'HQ' });
    assert.equal(comment.status, 200, JSON.stringify(comment.body));
    const lab = await call('dave@pve', 'PUT', '/access/domains/lab', {
      server1: 'lab.example.net',
    });
    assert.equal(lab.status, 200, JSON.stringify(lab.body));
    // A realm deleted and made again would log in the users it left behind.
    await deleteRealm(ctx, parseRealmId('corp'));
    refused(
      await call('dave@pve', 'POST', '/access/domains', {
        realm: 'corp',
        type: 'ldap',
        ...ldap,
        server1: 'evil.example.net',
      }),
      bossHoldsMore,
    );
    assert.equal(live.snapshot.domains.realms.has(parseRealmId('corp')), false);
  });

  it('refuses to put a VM into a pool whose entries give privileges the actor lacks on it', async () => {
    const root = async (method: 'POST' | 'PUT', path: string, params: Record<string, string>) => {
      assert.equal((await call('root@pam', method, path, params)).status, 200);
    };
    await root('POST', '/access/users', { userid: 'pia@pve' });
    await root('POST', '/access/roles', { roleid: 'Allocator', privs: 'VM.Allocate' });
    await root('POST', '/pools', { poolid: 'mine' });
    await root('PUT', '/access/acl', {
      path: '/pool/mine',
      roles: 'Administrator',
      users: 'pia@pve',
    });
    await root('PUT', '/access/acl', { path: '/vms/100', roles: 'Allocator', users: 'pia@pve' });
    await root('PUT', '/access/acl', {
      path: '/vms/101',
      roles: 'Administrator',
      users: 'pia@pve',
    });
    // Proxmox lets VM.Allocate on the VM do it: pia would then hold Administrator on VM 100.
    refused(
      await call('pia@pve', 'PUT', '/pools', { poolid: 'mine', vms: '100' }),
      /pia@pve would gain .* on \/vms\/100, which you do not hold/,
    );
    const pools = (await call('root@pam', 'GET', '/pools', { poolid: 'mine' })).body.data;
    assert.deepEqual((pools as { members: unknown[] }[])[0]?.members, []);
    // Where she holds all the pool gives, she may.
    assert.equal(
      (await call('pia@pve', 'PUT', '/pools', { poolid: 'mine', vms: '101' })).status,
      200,
    );
    // Nor may a token with entries on the pool gain what she lacks there.
    await root('POST', '/access/roles', {
      roleid: 'PoolKeeper',
      privs: 'Pool.Allocate,VM.Allocate',
    });
    await root('POST', '/pools', { poolid: 'shared' });
    await root('PUT', '/access/acl', {
      path: '/pool/shared',
      roles: 'PoolKeeper',
      users: 'pia@pve',
    });
    await root('PUT', '/access/acl', { path: '/vms/103', roles: 'PoolKeeper', users: 'pia@pve' });
    await root('POST', '/access/users/root@pam/token/pooled', { privsep: '1' });
    await root('PUT', '/access/acl', {
      path: '/pool/shared',
      roles: 'PVEVMAdmin',
      tokens: 'root@pam!pooled',
    });
    refused(
      await call('pia@pve', 'PUT', '/pools', { poolid: 'shared', vms: '103' }),
      /root@pam!pooled would gain .* on \/vms\/103, which you do not hold/,
    );
  });

  it('leaves root@pam and actors holding at least the target privileges unaffected', async () => {
    const made = await call('root@pam', 'POST', '/access/users/frank@pve/token/t1', {
      privsep: '0',
    });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    const frankAsAdmin = await call('frank@pve', 'PUT', '/access/users/erin@pve', {
      groups: 'ops',
      append: '1',
    });
    assert.equal(frankAsAdmin.status, 200, JSON.stringify(frankAsAdmin.body));
  });
});
