/**
 * Realm sync merges as Proxmox's own test suite says (realm-sync.json: five remove-vanished
 * variants over the same directory answer), through the sync service and the store; plus
 * Tessera's refusal to remove everyone when the directory returns no users.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAclPath } from '../../src/model/acl-path.js';
import { parseGroupId, parseRealmId, parseRoleId, parseUserId } from '../../src/model/ids.js';
import { modifyAcl } from '../../src/services/acl.js';
import { liveContext, type ServiceContext } from '../../src/services/context.js';
import { createGroup } from '../../src/services/groups.js';
import { syncRealm } from '../../src/services/realm-sync.js';
import { createRealm } from '../../src/services/realms.js';
import { createUser, updateUser } from '../../src/services/users.js';
import type { DirectoryContents } from '../../src/realms/ldap-sync.js';
import { normalizeDn } from '../../src/realms/ldap-sync.js';
import { LiveAccess } from '../../src/store/live.js';
import { MemoryStore } from '../../src/store/memory.js';
import { readConformanceJson } from '../support/conformance.js';

interface PerlUserCfg {
  acl_root: { users: Record<string, unknown> };
  groups: Record<string, { users: Record<string, number> }>;
  users: Record<string, { enable?: number; keys?: string }>;
}

interface Fixture {
  initial_user_cfg: PerlUserCfg;
  ldap: {
    user: { dn: string; attributes: { uid: string[] } }[];
    groups: { dn: string; members: string[] }[];
  };
  cases: { name: string; params: Record<string, string>; expected_user_cfg: PerlUserCfg }[];
}

const fixture = readConformanceJson<Fixture>('pve-access-control', 'realm-sync.json');
const REALM = 'syncedrealm';

/** The directory answer of the fixture, as the LDAP reader would return it. */
function directory(): DirectoryContents {
  const byDn = new Map(
    fixture.ldap.user.map((u) => [
      normalizeDn(u.dn),
      parseUserId(`${u.attributes.uid[0] ?? ''}@${REALM}`),
    ]),
  );
  return {
    users: fixture.ldap.user.map((u) => ({
      userid: parseUserId(`${u.attributes.uid[0] ?? ''}@${REALM}`),
      dn: u.dn,
      fields: {},
    })),
    groups: fixture.ldap.groups.map((g) => ({
      groupid: parseGroupId(`${/^[^=]+=([^,]+)/.exec(g.dn)?.[1] ?? ''}-${REALM}`),
      dn: g.dn,
      members: g.members.flatMap((m) => byDn.get(normalizeDn(m)) ?? []),
    })),
    warnings: [],
  };
}

async function initial(): Promise<{ live: LiveAccess; ctx: ServiceContext }> {
  const live = await LiveAccess.open(new MemoryStore());
  const ctx = liveContext(live);
  await createRealm(ctx, parseRealmId(REALM), 'ldap', {
    server1: 'ldap.invalid',
    base_dn: 'dc=syncedrealm',
    user_attr: 'uid',
  });
  const start = fixture.initial_user_cfg;
  for (const [userid, user] of Object.entries(start.users)) {
    if (!userid.endsWith(`@${REALM}`)) continue;
    await createUser(ctx, {
      userid: parseUserId(userid),
      enable: user.enable !== 0,
      ...(user.keys !== undefined ? { keys: user.keys } : {}),
    });
  }
  for (const [groupid, group] of Object.entries(start.groups)) {
    await createGroup(ctx, parseGroupId(groupid));
    for (const member of Object.keys(group.users))
      await updateUser(ctx, parseUserId(member), { groups: [parseGroupId(groupid)], append: true });
  }
  for (const userid of Object.keys(start.acl_root.users))
    await modifyAcl(ctx, {
      path: parseAclPath('/'),
      roles: [parseRoleId('PVEAuditor')],
      users: [parseUserId(userid)],
    });
  return { live, ctx };
}

describe('realm sync', () => {
  for (const c of fixture.cases) {
    it(`merges as Proxmox: ${c.name}`, async () => {
      const { live, ctx } = await initial();
      const report = await syncRealm(
        ctx,
        parseRealmId(REALM),
        {
          ...(c.params['scope'] !== undefined ? { scope: c.params['scope'] } : {}),
          ...(c.params['remove-vanished'] !== undefined
            ? { 'remove-vanished': c.params['remove-vanished'] }
            : {}),
        },
        () => Promise.resolve(directory()),
      );
      assert.ok(report.log.length > 0);
      const snapshot = live.snapshot;
      const expected = c.expected_user_cfg;
      const expectedUsers = Object.keys(expected.users)
        .filter((u) => u.endsWith(`@${REALM}`))
        .sort();
      const users = [...snapshot.users.users.keys()].filter((u) => u.endsWith(`@${REALM}`)).sort();
      assert.deepEqual(users, expectedUsers, 'users');
      for (const userid of expectedUsers) {
        const user = snapshot.users.users.get(parseUserId(userid));
        assert.equal(user?.keys, expected.users[userid]?.keys, `${userid} keys`);
        assert.equal(user?.enable, expected.users[userid]?.enable === 1, `${userid} enable`);
      }
      const groups = Object.fromEntries(
        [...snapshot.users.groups.values()].map((g) => [g.groupid, [...g.members].sort()]),
      );
      assert.deepEqual(
        groups,
        Object.fromEntries(
          Object.entries(expected.groups).map(([g, { users: members }]) => [
            g,
            Object.keys(members).sort(),
          ]),
        ),
        'groups',
      );
      // Proxmox keeps the ACL entry of a removed user until user.cfg is read again; Tessera
      // removes it with the user. For users that remain, the ACL matches exactly.
      const acl = snapshot.users.acl.get(parseAclPath('/'));
      for (const userid of expectedUsers)
        assert.equal(
          acl?.users.has(parseUserId(userid)) ?? false,
          userid in expected.acl_root.users,
          `${userid} ACL`,
        );
      await live.close();
    });
  }

  it('refuses to remove every user when the directory returns none, unless forced', async () => {
    const { live, ctx } = await initial();
    const before = live.snapshot.revision;
    const empty = () => Promise.resolve({ users: [], groups: [], warnings: [] });
    await assert.rejects(
      syncRealm(ctx, parseRealmId(REALM), { scope: 'both', 'remove-vanished': 'acl;entry' }, empty),
      /the directory returned no users while realm 'syncedrealm' has 3/,
    );
    assert.equal(live.snapshot.revision, before, 'nothing changed');
    const dry = await syncRealm(
      ctx,
      parseRealmId(REALM),
      { scope: 'both', 'remove-vanished': 'acl;entry', 'dry-run': true, force: true },
      empty,
    );
    assert.ok(dry.log.includes("remove user 'user1@syncedrealm'"));
    assert.equal(live.snapshot.revision, before, 'a dry run changes nothing');
    await syncRealm(
      ctx,
      parseRealmId(REALM),
      { scope: 'both', 'remove-vanished': 'acl;entry', force: true },
      empty,
    );
    assert.equal(
      [...live.snapshot.users.users.keys()].filter((u) => u.endsWith(`@${REALM}`)).length,
      0,
    );
    await live.close();
  });

  it('needs a scope from the request or the realm defaults', async () => {
    const { live, ctx } = await initial();
    await assert.rejects(
      syncRealm(ctx, parseRealmId(REALM), {}, () => Promise.resolve(directory())),
      /missing property 'scope'/,
    );
    await live.close();
  });
});
