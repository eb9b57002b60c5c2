/**
 * Why a principal has or lacks a privilege on a path (a Tessera extension): the same walk as
 * the engine, but keeping every assignment it looked at, so that the answer can name the
 * ACL entry, role, group or pool that decided it. Slower than `can()`, and meant for people.
 */
import {
  asTokenId,
  asUserId,
  ROOT_USERID,
  splitTokenId,
  type PoolId,
  type RoleId,
  type TokenId,
} from '../model/ids.js';
import type { Privilege } from '../model/privileges.js';
import { ADMINISTRATOR, NO_ACCESS } from '../model/roles.js';
import { rolePrivileges, type AclMemberKind } from '../model/user-config.js';
import { poolPath, type AclTreeNode, type MemberRoles } from './compile.js';
import { splitPath, type PermissionEngine } from './engine.js';

/** One role assignment found on the way: `acl:<propagate>:<path>:<member>:<role>`. */
export interface AssignmentRef {
  readonly path: string;
  readonly type: AclMemberKind;
  readonly ugid: string;
  readonly roleid: RoleId;
  readonly propagate: boolean;
}

/** A node that contributed roles; the last one of a walk decides. */
export interface Level {
  readonly path: string;
  /** True when the node is the checked path itself (so non-propagating entries count). */
  readonly final: boolean;
  readonly source: AclMemberKind;
  readonly assignments: readonly AssignmentRef[];
  /** Group entries at this node that the user's own entries hid. */
  readonly hiddenGroupAssignments: readonly AssignmentRef[];
}

export interface RoleWalk {
  readonly levels: readonly Level[];
  /** The deciding roles: role -> propagate (only NoAccess when NoAccess is among them). */
  readonly roles: ReadonlyMap<RoleId, boolean>;
  /** Entries on parent paths that matched the principal but do not propagate. */
  readonly notPropagated: readonly AssignmentRef[];
}

/**
 * Proxmox's `roles()`: the deciding roles of the ACL walk, without pools. root@pam gets
 * the bare string `Administrator`, as upstream.
 */
export function roles(
  engine: PermissionEngine,
  authid: string,
  path: string,
): typeof ADMINISTRATOR | ReadonlyMap<RoleId, boolean> {
  if (authid === ROOT_USERID) return ADMINISTRATOR;
  return walkRoles(engine, authid, path).roles;
}

const EMPTY_WALK: RoleWalk = { levels: [], roles: new Map(), notPropagated: [] };

/**
 * The ACL walk with its evidence. A token without privilege separation walks as its owner,
 * unless `ownEntries` asks for the token's own entries (which Proxmox then ignores).
 */
export function walkRoles(
  engine: PermissionEngine,
  authid: string,
  path: string,
  ownEntries = false,
): RoleWalk {
  const tokenid = authid.includes('!') ? asTokenId(authid) : undefined;
  if (tokenid !== undefined) {
    const token = engine.config.tokens.get(tokenid);
    if (!token) return EMPTY_WALK;
    if (!token.privsep && !ownEntries) return walkRoles(engine, splitTokenId(tokenid).user, path);
  }
  const groups = new Set<string>(
    tokenid === undefined ? (engine.acl.groupsOfUser.get(authid) ?? []) : [],
  );
  const levels: Level[] = [];
  const notPropagated: AssignmentRef[] = [];
  const parts = splitPath(path);
  const last = parts.length - 1;
  let node: AclTreeNode | undefined = engine.acl.root;
  for (let i = 0; i <= last; i++) {
    const segment = parts[i] ?? '';
    if (segment !== '') node = node.children.get(segment);
    if (!node) break;
    const final = i === last;
    const pick = (
      type: AclMemberKind,
      ugid: string,
      member: MemberRoles | undefined,
    ): AssignmentRef[] => {
      if (!member) return [];
      const found: AssignmentRef[] = [];
      for (const [roleid, propagate] of member.atNode.roles) {
        const ref = { path: node?.path ?? path, type, ugid, roleid, propagate };
        if (final || propagate) found.push(ref);
        else notPropagated.push(ref);
      }
      return found;
    };
    if (tokenid !== undefined) {
      const own = pick('token', authid, node.tokens.get(authid));
      if (own.length > 0)
        levels.push({
          path: node.path,
          final,
          source: 'token',
          assignments: own,
          hiddenGroupAssignments: [],
        });
      continue;
    }
    const own = pick('user', authid, node.users.get(authid));
    const fromGroups: AssignmentRef[] = [];
    for (const [groupid, member] of node.groups) {
      if (groups.has(groupid)) fromGroups.push(...pick('group', groupid, member));
    }
    if (own.length > 0) {
      levels.push({
        path: node.path,
        final,
        source: 'user',
        assignments: own,
        hiddenGroupAssignments: fromGroups,
      });
    } else if (fromGroups.length > 0) {
      levels.push({
        path: node.path,
        final,
        source: 'group',
        assignments: fromGroups,
        hiddenGroupAssignments: [],
      });
    }
  }

  const deciding = levels[levels.length - 1];
  const decided = new Map<RoleId, boolean>();
  // Two groups may assign the same role with different flags; the role propagates if
  // either assignment does (Proxmox leaves this to hash order).
  for (const a of deciding?.assignments ?? [])
    decided.set(a.roleid, (decided.get(a.roleid) ?? false) || a.propagate);
  const noAccess = decided.get(NO_ACCESS);
  const result = noAccess === undefined ? decided : new Map([[NO_ACCESS, noAccess]]);
  return { levels, roles: result, notPropagated };
}

/** The machine-readable reason of an {@link Explanation}. */
export type Verdict =
  | 'superuser'
  | 'unknown_principal'
  | 'no_acl'
  | 'no_access'
  | 'pool_no_access'
  | 'granted'
  | 'granted_by_pool'
  | 'role_lacks_privilege'
  | 'owner_lacks_privilege';

export interface PoolEvidence {
  readonly poolid: PoolId;
  /** Roles held on `/pool/<id>`; empty when nothing applies there. */
  readonly roles: ReadonlyMap<RoleId, boolean>;
  readonly level: Level | undefined;
}

export interface Explanation {
  readonly authid: string;
  readonly path: string;
  readonly privilege: Privilege;
  readonly granted: boolean;
  readonly verdict: Verdict;
  /** One sentence in plain words. */
  readonly summary: string;
  /** The ACL walk, when one was made. */
  readonly walk?: RoleWalk;
  /** Pools the path belongs to (only exact VM and storage paths). */
  readonly pools?: readonly PoolEvidence[];
  /** The role (and where it was assigned) that grants the privilege. */
  readonly grantedBy?: {
    readonly roleid: RoleId;
    readonly via: AssignmentRef | { readonly poolid: PoolId };
  };
  /** For a token without privilege separation: it acts as this user. */
  readonly actsAs?: string;
  /** For a token with privilege separation: the owner's side of the intersection. */
  readonly owner?: Explanation;
}

function describeRef(a: AssignmentRef): string {
  const member =
    a.type === 'group'
      ? `group '${a.ugid}'`
      : a.type === 'token'
        ? `token '${a.ugid}'`
        : `user '${a.ugid}'`;
  return `${member} has role '${a.roleid}' on '${a.path}'${a.propagate ? '' : ' (not propagated)'}`;
}

function roleGrants(engine: PermissionEngine, roleid: RoleId, privilege: Privilege): boolean {
  return rolePrivileges(engine.config, roleid)?.has(privilege) ?? false;
}

/** Explains `can(authid, path, privilege)`; agrees with the engine by construction and by test. */
export function explain(
  engine: PermissionEngine,
  authid: string,
  path: string,
  privilege: Privilege,
): Explanation {
  const base = { authid, path, privilege };
  if (authid === ROOT_USERID) {
    return {
      ...base,
      granted: true,
      verdict: 'superuser',
      summary: 'root@pam is the superuser: it holds every privilege on every path.',
    };
  }
  const tokenid = authid.includes('!') ? asTokenId(authid) : undefined;
  if (tokenid === undefined && asUserId(authid) === undefined) {
    return {
      ...base,
      granted: false,
      verdict: 'unknown_principal',
      summary: `'${authid}' is neither a user id nor a token id.`,
    };
  }
  if (tokenid !== undefined) {
    const token = engine.config.tokens.get(tokenid);
    if (!token) {
      return {
        ...base,
        granted: false,
        verdict: 'unknown_principal',
        summary: `API token '${authid}' does not exist.`,
      };
    }
    if (!token.privsep) {
      const owner = splitTokenId(tokenid).user;
      const inner = explain(engine, owner, path, privilege);
      const ignored = walkRoles(engine, authid, path, true).levels.flatMap((l) => l.assignments);
      return {
        ...inner,
        ...base,
        actsAs: owner,
        summary:
          `Token '${authid}' has no privilege separation, so it has exactly the rights of '${owner}'` +
          (ignored.length > 0
            ? ` (its own ACL entries are ignored: ${ignored.map(describeRef).join('; ')})`
            : '') +
          `. ${inner.summary}`,
      };
    }
  }
  const own = explainOwn(engine, authid, path, privilege);
  if (tokenid === undefined || !own.granted) return own;
  return intersectWithOwner(engine, tokenid, own);
}

function intersectWithOwner(
  engine: PermissionEngine,
  tokenid: TokenId,
  own: Explanation,
): Explanation {
  const owner = splitTokenId(tokenid).user;
  if (owner === ROOT_USERID) return own;
  const ownerExplanation = explain(engine, owner, own.path, own.privilege);
  if (ownerExplanation.granted) return { ...own, owner: ownerExplanation };
  return {
    ...own,
    granted: false,
    verdict: 'owner_lacks_privilege',
    owner: ownerExplanation,
    summary:
      `Token '${tokenid}' is privilege-separated: it gets only what both the token and its owner hold. ` +
      `The token's own ACLs grant '${own.privilege}', but its owner '${owner}' lacks it: ${ownerExplanation.summary}`,
  };
}

function explainOwn(
  engine: PermissionEngine,
  authid: string,
  path: string,
  privilege: Privilege,
): Explanation {
  const base = { authid, path, privilege };
  const walk = walkRoles(engine, authid, path);
  const deciding = walk.levels[walk.levels.length - 1];
  const aclNoAccess = walk.roles.has(NO_ACCESS);
  const pools = poolEvidence(engine, authid, path);
  const poolNoAccess = !aclNoAccess && pools.some((p) => p.roles.has(NO_ACCESS));

  if (aclNoAccess && deciding) {
    const ref = deciding.assignments.find((a) => a.roleid === NO_ACCESS);
    return {
      ...base,
      walk,
      pools,
      granted: false,
      verdict: 'no_access',
      summary: `Denied by NoAccess: ${ref ? describeRef(ref) : 'NoAccess'}, and NoAccess overrides every other role at that level.`,
    };
  }
  if (poolNoAccess) {
    const pool = pools.find((p) => p.roles.has(NO_ACCESS));
    return {
      ...base,
      walk,
      pools,
      granted: false,
      verdict: 'pool_no_access',
      summary: `Denied by NoAccess on pool '${pool?.poolid ?? ''}' ('${pool ? poolPath(pool.poolid) : ''}'), which '${path}' is a member of; a pool's NoAccess beats explicit grants on its members.`,
    };
  }
  const granting = deciding?.assignments.find((a) => roleGrants(engine, a.roleid, privilege));
  if (granting) {
    return {
      ...base,
      walk,
      pools,
      granted: true,
      verdict: 'granted',
      grantedBy: { roleid: granting.roleid, via: granting },
      summary: `Granted: ${describeRef(granting)}, and role '${granting.roleid}' includes '${privilege}'.`,
    };
  }
  for (const pool of pools) {
    const roleid = [...pool.roles.keys()].find((r) => roleGrants(engine, r, privilege));
    if (roleid !== undefined) {
      return {
        ...base,
        walk,
        pools,
        granted: true,
        verdict: 'granted_by_pool',
        grantedBy: { roleid, via: { poolid: pool.poolid } },
        summary: `Granted through pool '${pool.poolid}': '${path}' is a member, and role '${roleid}' on '${poolPath(pool.poolid)}' includes '${privilege}'.`,
      };
    }
  }
  if (!deciding) {
    const skipped = walk.notPropagated.map(describeRef);
    return {
      ...base,
      walk,
      pools,
      granted: false,
      verdict: 'no_acl',
      summary:
        `No ACL entry for '${authid}' (or its groups) applies to '${path}' or propagates to it from a parent path.` +
        (skipped.length > 0 ? ` Not propagated from parents: ${skipped.join('; ')}.` : ''),
    };
  }
  const roleList = [...new Set(deciding.assignments.map((a) => `'${a.roleid}'`))].join(', ');
  return {
    ...base,
    walk,
    pools,
    granted: false,
    verdict: 'role_lacks_privilege',
    summary:
      `Denied: the deciding entries are on '${deciding.path}' (${deciding.assignments.map(describeRef).join('; ')}); ` +
      `roles ${roleList} do not include '${privilege}', and entries on parent paths no longer count.`,
  };
}

function poolEvidence(engine: PermissionEngine, authid: string, path: string): PoolEvidence[] {
  const pools = engine.acl.poolsOfPath.get(path) ?? [];
  return pools.map((poolid) => {
    const walk = walkRoles(engine, authid, poolPath(poolid));
    return { poolid, roles: walk.roles, level: walk.levels[walk.levels.length - 1] };
  });
}
