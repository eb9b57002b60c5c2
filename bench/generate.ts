/**
 * A generated configuration of the size the benchmark targets: 10,000 users, 1,000 groups,
 * 100 pools, 100,000 ACL assignments and 1,000 tokens, spread over paths the way a large
 * cluster's ACLs are: many VMs, some storages, nodes, pools and SDN zones.
 */
import type { AclPath } from '../src/model/acl-path.js';
import type { GroupId, PoolId, RoleId, TokenId, UserId } from '../src/model/ids.js';
import { PRIVILEGES, type Privilege } from '../src/model/privileges.js';
import { BUILTIN_ROLES } from '../src/model/roles.js';
import type {
  AclNode,
  Group,
  Pool,
  Role,
  Token,
  User,
  UserConfig,
} from '../src/model/user-config.js';
import { Random } from './random.js';

export interface Size {
  readonly users: number;
  readonly groups: number;
  readonly pools: number;
  readonly aclAssignments: number;
  readonly tokens: number;
}

export const TARGET_SIZE: Size = {
  users: 10_000,
  groups: 1_000,
  pools: 100,
  aclAssignments: 100_000,
  tokens: 1_000,
};

interface MutableNode {
  users: Map<string, Map<RoleId, boolean>>;
  groups: Map<string, Map<RoleId, boolean>>;
  tokens: Map<string, Map<RoleId, boolean>>;
}

export function generateConfig(size: Size, seed: number): UserConfig {
  const random = new Random(seed);
  const users = new Map<UserId, User>();
  const userIds: UserId[] = [];
  for (let i = 0; i < size.users; i++) {
    const userid = `user${i}@${random.pick(['pve', 'pam', 'corp'])}` as UserId;
    userIds.push(userid);
    users.set(userid, { userid, enable: true, expire: 0 });
  }
  users.set('root@pam' as UserId, { userid: 'root@pam' as UserId, enable: true, expire: 0 });

  const groups = new Map<GroupId, Group>();
  const groupIds: GroupId[] = [];
  const members = new Map<GroupId, Set<UserId>>();
  for (let i = 0; i < size.groups; i++) {
    const groupid = `group${i}` as GroupId;
    groupIds.push(groupid);
    members.set(groupid, new Set());
  }
  // Every user is in one to five groups.
  for (const userid of userIds) {
    for (let n = 1 + random.int(5); n > 0; n--) members.get(random.pick(groupIds))?.add(userid);
  }
  for (const groupid of groupIds)
    groups.set(groupid, { groupid, members: members.get(groupid) ?? new Set() });

  const tokens = new Map<TokenId, Token>();
  const tokenIds: TokenId[] = [];
  while (tokens.size < size.tokens) {
    const tokenid = `${random.pick(userIds)}!tok${random.int(5)}` as TokenId;
    if (tokens.has(tokenid)) continue;
    tokenIds.push(tokenid);
    tokens.set(tokenid, { tokenid, expire: 0, privsep: random.chance(0.7) });
  }

  const roles = new Map<RoleId, Role>();
  const customRoles: RoleId[] = [];
  for (let i = 0; i < 50; i++) {
    const roleid = `role${i}` as RoleId;
    customRoles.push(roleid);
    const privileges = new Set<Privilege>();
    for (let n = 1 + random.int(8); n > 0; n--) privileges.add(random.pick(PRIVILEGES));
    roles.set(roleid, { roleid, privileges });
  }
  const roleChoices = [...customRoles, ...BUILTIN_ROLES.keys()];

  const pools = new Map<PoolId, Pool>();
  const poolIds: PoolId[] = [];
  let vmid = 100;
  let top = '';
  let middle = '';
  for (let i = 0; i < size.pools; i++) {
    // One top-level pool in five; the others nest one or two levels below it.
    let poolid: string;
    if (i % 5 === 0) poolid = top = `pool${i}`;
    else if (i % 5 === 1) poolid = middle = `${top}/sub${i}`;
    else poolid = `${middle}/leaf${i}`;
    poolIds.push(poolid as PoolId);
    const vms = new Set<string>();
    for (let n = random.int(40); n > 0; n--) vms.add(String(vmid++));
    pools.set(poolid as PoolId, {
      poolid: poolid as PoolId,
      vms,
      storage: new Set([`store${random.int(50)}`]),
    });
  }

  const paths: string[] = [
    '/',
    '/vms',
    '/storage',
    '/nodes',
    '/pool',
    '/sdn',
    '/access',
    '/access/groups',
  ];
  for (let i = 0; i < 20_000; i++) paths.push(`/vms/${100 + i}`);
  for (let i = 0; i < 50; i++) paths.push(`/storage/store${i}`);
  for (let i = 0; i < 30; i++) paths.push(`/nodes/node${i}`);
  for (const poolid of poolIds) paths.push(`/pool/${poolid}`);
  for (let i = 0; i < 100; i++) paths.push(`/sdn/zones/zone${i}`);
  for (const groupid of groupIds.slice(0, 200)) paths.push(`/access/groups/${groupid}`);

  const acl = new Map<AclPath, MutableNode>();
  let assignments = 0;
  while (assignments < size.aclAssignments) {
    // Broad paths are rarer than individual resources.
    const path = (
      random.chance(0.02) ? random.pick(paths.slice(0, 8)) : random.pick(paths)
    ) as AclPath;
    let node = acl.get(path);
    if (!node) acl.set(path, (node = { users: new Map(), groups: new Map(), tokens: new Map() }));
    const kind = random.next();
    const target = kind < 0.4 ? node.groups : kind < 0.9 ? node.users : node.tokens;
    const member =
      kind < 0.4
        ? random.pick(groupIds)
        : kind < 0.9
          ? random.pick(userIds)
          : random.pick(tokenIds);
    let roleMap = target.get(member);
    if (!roleMap) target.set(member, (roleMap = new Map<RoleId, boolean>()));
    const roleid = random.chance(0.03) ? ('NoAccess' as RoleId) : random.pick(roleChoices);
    if (!roleMap.has(roleid)) assignments++;
    roleMap.set(roleid, random.chance(0.8));
  }
  return { users, tokens, groups, roles, pools, acl: acl as unknown as Map<AclPath, AclNode> };
}
