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
import { sortAclPaths } from '../model/acl-path.js';

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
  readonly children: Map<string, AclTreeNode>;
  readonly users: Map<string, MemberRoles>;
  readonly groups: Map<string, MemberRoles>;
  readonly tokens: Map<string, MemberRoles>;
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

export function newNode(path: string): AclTreeNode {
  return { path, children: new Map(), users: new Map(), groups: new Map(), tokens: new Map() };
}

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

function memberRoles(config: UserConfig, assignments: RoleAssignments): MemberRoles {
  const propagating = new Map<RoleId, boolean>();
  for (const [roleid, propagate] of assignments) if (propagate) propagating.set(roleid, true);
  return {
    atNode: roleSetOf(config, assignments),
    inherited: propagating.size > 0 ? roleSetOf(config, propagating) : null,
  };
}

export function compileAcl(config: UserConfig): CompiledAcl {
  const root = newNode('/');
  const ensure = (path: AclPath): AclTreeNode => {
    let node = root;
    let prefix = '';
    for (const segment of aclPathSegments(path)) {
      prefix += '/' + segment;
      let child = node.children.get(segment);
      if (!child) node.children.set(segment, (child = newNode(prefix)));
      node = child;
    }
    return node;
  };

  const nodePaths: string[] = [];
  for (const path of sortAclPaths(config.acl.keys())) {
    const acl = config.acl.get(path);
    if (!acl) continue;
    const node = ensure(path);
    for (const [id, roles] of acl.users)
      if (roles.size > 0) node.users.set(id, memberRoles(config, roles));
    for (const [id, roles] of acl.groups)
      if (roles.size > 0) node.groups.set(id, memberRoles(config, roles));
    for (const [id, roles] of acl.tokens)
      if (roles.size > 0) node.tokens.set(id, memberRoles(config, roles));
  }
  const visit = (node: AclTreeNode): void => {
    nodePaths.push(node.path);
    for (const name of [...node.children.keys()].sort(compareCodePoints)) {
      const child = node.children.get(name);
      if (child) visit(child);
    }
  };
  visit(root);

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

/** The ACL path of a pool. */
export function poolPath(poolid: PoolId): string {
  return `/pool/${poolid}`;
}
