/**
 * Compiles a user.cfg model into the structures the permission engine walks: the ACL as a
 * tree of nodes, each member's role assignments pre-reduced to privilege masks, group
 * membership by user, and pool membership by resource path.
 */
import { aclPathSegments, type AclPath } from '../model/acl-path.js';
import { compareCodePoints } from '../model/compare.js';
import type { GroupId, PoolId, RoleId } from '../model/ids.js';
import { maskOf } from '../model/privileges.js';
import { NO_ACCESS } from '../model/roles.js';
import { rolePrivileges, type RoleAssignments, type UserConfig } from '../model/user-config.js';

/**
 * The roles one member holds at one node, reduced to masks: `g*` are the granted
 * privileges, `p*` those granted by a propagating role (the 0/1 flag Proxmox reports).
 * `lo` words hold privilege bits 0..31, `hi` words bits 32..46.
 */
export interface RoleSet {
  readonly gl: number;
  readonly gh: number;
  readonly pl: number;
  readonly ph: number;
  readonly noAccess: boolean;
  /** The assignments themselves, for explanations: role -> propagate. */
  readonly roles: RoleAssignments;
}

/** What a member contributes at a node: all roles when the node is the checked path, only
 * the propagating ones when it is a parent of it (`null` when there are none). */
export interface MemberRoles {
  readonly atNode: RoleSet;
  readonly inherited: RoleSet | null;
}

export interface AclTreeNode {
  readonly path: string;
  readonly children: ReadonlyMap<string, AclTreeNode>;
  readonly users: ReadonlyMap<string, MemberRoles>;
  readonly groups: ReadonlyMap<string, MemberRoles>;
  readonly tokens: ReadonlyMap<string, MemberRoles>;
}

export interface CompiledAcl {
  readonly config: UserConfig;
  readonly root: AclTreeNode;
  /** Every node path of the tree, parents included, in tree order. */
  readonly nodePaths: readonly string[];
  /** The groups each user belongs to (users that do not exist included). */
  readonly groupsOfUser: ReadonlyMap<string, readonly GroupId[]>;
  /** For `/vms/<id>` and `/storage/<id>`: the pools that hold the resource. */
  readonly poolsOfPath: ReadonlyMap<string, readonly PoolId[]>;
}

/** A node while the tree is built; its maps are made when it first needs one. */
interface NodeDraft {
  path: string;
  children: Map<string, NodeDraft> | undefined;
  users: Map<string, MemberRoles> | undefined;
  groups: Map<string, MemberRoles> | undefined;
  tokens: Map<string, MemberRoles> | undefined;
}

// Most nodes are leaves with users only: nodes without members or children of a kind share
// this one empty map instead of holding their own (a million ACL entries make ~100,000 nodes).
const NONE: ReadonlyMap<string, never> = new Map<string, never>();

export function roleSetOf(config: UserConfig, assignments: RoleAssignments): RoleSet {
  let gl = 0;
  let gh = 0;
  let pl = 0;
  let ph = 0;
  let noAccess = false;
  for (const [roleid, propagate] of assignments) {
    if (roleid === NO_ACCESS) noAccess = true;
    // A role that no longer exists still counts as assigned; it grants nothing.
    const privileges = rolePrivileges(config, roleid);
    if (!privileges) continue;
    const mask = maskOf(privileges);
    gl |= mask.lo;
    gh |= mask.hi;
    if (propagate) {
      pl |= mask.lo;
      ph |= mask.hi;
    }
  }
  return {
    gl: gl >>> 0,
    gh: gh >>> 0,
    pl: pl >>> 0,
    ph: ph >>> 0,
    noAccess,
    roles: assignments,
  };
}

/**
 * `memberRoles`, shared between members with the same assignments in the same order: their
 * `roles` are equal, if not always the same map.
 */
class MemberRolesCache {
  private readonly known = new Map<string, MemberRoles>();
  // The store's decoder shares one map between members with one and the same role.
  private readonly byMap = new Map<RoleAssignments, MemberRoles>();

  constructor(private readonly config: UserConfig) {}

  of(assignments: RoleAssignments): MemberRoles {
    let roles = this.byMap.get(assignments);
    if (roles) return roles;
    let key = '';
    // Role ids cannot hold `,` or `:`, so the key names one list of assignments only.
    for (const [roleid, propagate] of assignments) key += `${roleid}:${propagate ? '1' : '0'},`;
    roles = this.known.get(key);
    if (!roles) this.known.set(key, (roles = memberRoles(this.config, assignments)));
    this.byMap.set(assignments, roles);
    return roles;
  }
}

function memberRoles(config: UserConfig, assignments: RoleAssignments): MemberRoles {
  const propagating = new Map<RoleId, boolean>();
  for (const [roleid, propagate] of assignments) if (propagate) propagating.set(roleid, true);
  return {
    atNode: roleSetOf(config, assignments),
    inherited: propagating.size > 0 ? roleSetOf(config, propagating) : null,
  };
}

function members(
  cache: MemberRolesCache,
  acl: ReadonlyMap<string, RoleAssignments>,
): Map<string, MemberRoles> | undefined {
  let out: Map<string, MemberRoles> | undefined;
  for (const [id, roles] of acl) if (roles.size > 0) (out ??= new Map()).set(id, cache.of(roles));
  return out;
}

export function compileAcl(config: UserConfig): CompiledAcl {
  const draft = (path: string): NodeDraft => ({
    path,
    children: undefined,
    users: undefined,
    groups: undefined,
    tokens: undefined,
  });
  const top = draft('/');
  const ensure = (path: AclPath): NodeDraft => {
    let node = top;
    let prefix = '';
    for (const segment of aclPathSegments(path)) {
      prefix += '/' + segment;
      node.children ??= new Map();
      let child = node.children.get(segment);
      if (!child) node.children.set(segment, (child = draft(prefix)));
      node = child;
    }
    return node;
  };

  // Paths are taken in any order: the walk below puts the children of each node in order.
  const cache = new MemberRolesCache(config);
  for (const [path, acl] of config.acl) {
    const node = ensure(path);
    node.users = members(cache, acl.users);
    node.groups = members(cache, acl.groups);
    node.tokens = members(cache, acl.tokens);
  }

  const nodePaths: string[] = [];
  const freeze = (node: NodeDraft): AclTreeNode => {
    nodePaths.push(node.path);
    let children: Map<string, AclTreeNode> | undefined;
    if (node.children) {
      children = new Map();
      for (const name of sortedNames(node.children.keys())) {
        const child = node.children.get(name);
        if (child) children.set(name, freeze(child));
      }
    }
    return {
      path: node.path,
      children: children ?? NONE,
      users: node.users ?? NONE,
      groups: node.groups ?? NONE,
      tokens: node.tokens ?? NONE,
    };
  };
  const root = freeze(top);

  const groupsOfUser = new Map<string, GroupId[]>();
  for (const group of config.groups.values()) {
    for (const member of group.members) {
      const list = groupsOfUser.get(member);
      if (list) list.push(group.groupid);
      else groupsOfUser.set(member, [group.groupid]);
    }
  }

  const poolsOfPath = new Map<string, PoolId[]>();
  const addPool = (path: string, poolid: PoolId): void => {
    const list = poolsOfPath.get(path);
    if (list) list.push(poolid);
    else poolsOfPath.set(path, [poolid]);
  };
  for (const pool of config.pools.values()) {
    for (const vmid of pool.vms) addPool(`/vms/${vmid}`, pool.poolid);
    for (const storage of pool.storage) addPool(`/storage/${storage}`, pool.poolid);
  }

  return { config, root, nodePaths, groupsOfUser, poolsOfPath };
}

/**
 * Names in code-point order. The built-in sort compares UTF-16 code units, which agrees
 * with code points unless a surrogate is involved, and is several times faster on the
 * 100,000 children of a large `/vms`.
 */
function sortedNames(names: Iterable<string>): string[] {
  const list = [...names];
  return list.some((name) => /[\uD800-\uFFFF]/.test(name))
    ? list.sort(compareCodePoints)
    : list.sort();
}

/** The ACL path of a pool. */
export function poolPath(poolid: PoolId): string {
  return `/pool/${poolid}`;
}
