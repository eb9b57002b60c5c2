/**
 * ACL entries: `PUT /access/acl` and `pveum acl modify/delete`, with Proxmox's checks and
 * messages, and the clean-up helpers the other services use when a member or role goes away.
 * Without Permissions.Modify on the path, an actor may only hand out roles whose privileges
 * it holds there itself (and holds propagated, if the new entry propagates), as in Proxmox.
 */
import { invalid, rejected } from '../errors.js';
import { isAssignableAclPath, type AclPath } from '../model/acl-path.js';
import {
  splitTokenId,
  type GroupId,
  type RoleId,
  type TokenId,
  type UserId,
} from '../model/ids.js';
import { BUILTIN_ROLES, NO_ACCESS } from '../model/roles.js';
import type { AclNode, RoleAssignments } from '../model/user-config.js';
import { encodeAclNode, KEYS } from '../store/codec.js';
import { draft } from './audit.js';
import { authorize, type Authorization } from './authorize.js';
import { audited, commit, refuse, type Changes, type ServiceContext } from './context.js';

export interface AclChange {
  readonly path: AclPath;
  readonly roles: readonly RoleId[];
  readonly users?: readonly UserId[];
  readonly groups?: readonly GroupId[];
  readonly tokens?: readonly TokenId[];
  /** Default true. */
  readonly propagate?: boolean;
  /** Remove the given roles instead of adding them. */
  readonly delete?: boolean;
}

type Members<K> = Map<K, RoleAssignments>;

function withRoles<K>(
  members: ReadonlyMap<K, RoleAssignments>,
  ids: readonly K[],
  roles: readonly RoleId[],
  propagate: boolean,
  remove: boolean,
): Members<K> {
  const out: Members<K> = new Map(members);
  for (const id of ids) {
    const assigned = new Map(out.get(id) ?? []);
    for (const role of roles) {
      if (remove) assigned.delete(role);
      else assigned.set(role, propagate);
    }
    if (assigned.size === 0) out.delete(id);
    else out.set(id, assigned);
  }
  return out;
}

function isEmpty(node: AclNode): boolean {
  return node.users.size === 0 && node.groups.size === 0 && node.tokens.size === 0;
}

/** Writes the node at `path`, or deletes its key when nothing is left. */
function writeNode(changes: Changes, path: AclPath, node: AclNode): void {
  if (isEmpty(node)) {
    if (changes.snapshot.revisions.has(KEYS.acl(path))) changes.delete(KEYS.acl(path));
    else changes.expect(KEYS.acl(path));
  } else {
    changes.put(KEYS.acl(path), encodeAclNode(node));
  }
}

const EMPTY: AclNode = { users: new Map(), groups: new Map(), tokens: new Map() };

/**
 * `perm-modify` on the path; without Permissions.Modify itself, every role handed out must
 * be a subset of what the actor holds there (propagated, if the entry propagates).
 */
export function mayModifyAcl(
  auth: Authorization,
  path: AclPath,
  roles: readonly RoleId[],
  propagate: boolean,
  remove = false,
): void {
  auth.permModify(path);
  if (auth.has(path, 'Permissions.Modify')) return;
  const own = auth.engine.privileges(auth.actor.authid, path);
  for (const role of roles)
    subsetCheck(role, auth.snapshot.users.roles.get(role)?.privileges, own, propagate, remove);
}

/** Proxmox's rule: removing needs the privileges too, but not their propagation. */
function subsetCheck(
  role: RoleId,
  custom: ReadonlySet<string> | undefined,
  own: ReadonlyMap<string, boolean>,
  propagate: boolean,
  remove: boolean,
): void {
  const verb = remove ? 'remove' : 'add';
  const refused = (reason: string): never => {
    throw rejected(`ACL update failed: 400 Parameter verification failed.\nrole: ${reason}`);
  };
  if (role === NO_ACCESS) refused(`Cannot ${verb} role '${role}' - requires 'Permissions.Modify'`);
  const privileges = BUILTIN_ROLES.get(role) ?? custom;
  if (!privileges) return; // the change reports the unknown role
  for (const privilege of privileges) {
    const held = own.get(privilege);
    if (held === undefined)
      refused(
        `Cannot ${verb} role '${role}' - requires 'Permissions.Modify' or superset of privileges.`,
      );
    if (propagate && !held && !remove)
      refused(
        `Cannot ${verb} role '${role}' with propagation - requires 'Permissions.Modify' or propagated superset of privileges.`,
      );
  }
}

export async function modifyAcl(ctx: ServiceContext, change: AclChange): Promise<void> {
  const event = draft('acl', change.path, change.delete === true ? 'delete' : 'update', {
    path: change.path,
    roles: change.roles,
    users: change.users,
    groups: change.groups,
    tokens: change.tokens,
    propagate: change.propagate ?? true,
  });
  return audited(ctx, event, async () => {
    mayModifyAcl(
      await authorize(ctx),
      change.path,
      change.roles,
      change.propagate ?? true,
      change.delete === true,
    );
    await changeAcl(ctx, change, event);
  });
}

async function changeAcl(
  ctx: ServiceContext,
  change: AclChange,
  event: ReturnType<typeof draft>,
): Promise<void> {
  const users = change.users ?? [];
  const groups = change.groups ?? [];
  const tokens = change.tokens ?? [];
  if (users.length + groups.length + tokens.length === 0) {
    const message = "either 'users', 'groups' or 'tokens' is required.";
    throw invalid('users', message);
  }
  if (change.delete !== true && !isAssignableAclPath(change.path))
    throw invalid('path', `invalid ACL path '${change.path}'`);
  const remove = change.delete === true;
  return commit(
    ctx,
    'ACL update failed',
    (changes) => {
      const { snapshot } = changes;
      const config = snapshot.users;
      // Proxmox's order: each role, then its groups, users and tokens; the first that does
      // not exist is the answer. Removing checks nothing (Proxmox refuses): entries naming a
      // user, group, token or role that no longer exists, which an imported configuration
      // may hold and the audit reports, must stay removable.
      for (const role of remove ? [] : change.roles) {
        if (!BUILTIN_ROLES.has(role) && !config.roles.has(role))
          throw refuse(`role '${role}' does not exist`, 'roles');
        changes.expect(KEYS.role(role));
        for (const group of groups) {
          if (!config.groups.has(group)) throw refuse(`group '${group}' does not exist`, 'groups');
          changes.expect(KEYS.group(group));
        }
        for (const user of users) {
          if (!config.users.has(user)) throw refuse(`user '${user}' does not exist`, 'users');
          changes.expect(KEYS.user(user));
        }
        for (const token of tokens) {
          const { user: userid, name } = splitTokenId(token);
          if (!config.users.has(userid)) throw refuse(`no such user ('${userid}')`, 'tokens');
          if (!config.tokens.has(token))
            throw refuse(`no such token '${name}' for user '${userid}'`, 'tokens');
          changes.expect(KEYS.token(token));
        }
      }
      const node = config.acl.get(change.path) ?? EMPTY;
      const propagate = change.propagate ?? true;
      writeNode(changes, change.path, {
        users: withRoles(node.users, users, change.roles, propagate, remove),
        groups: withRoles(node.groups, groups, change.roles, propagate, remove),
        tokens: withRoles(node.tokens, tokens, change.roles, propagate, remove),
      });
    },
    event,
  );
}

/** Removes every ACL entry of the given members (a deleted user, group or token). */
export function removeMembersFromAcl(
  changes: Changes,
  members: {
    readonly users?: readonly UserId[];
    readonly groups?: readonly GroupId[];
    readonly tokens?: readonly TokenId[];
  },
): void {
  const drop = <K>(map: ReadonlyMap<K, RoleAssignments>, ids: readonly K[] = []): Members<K> => {
    const out = new Map(map);
    for (const id of ids) out.delete(id);
    return out;
  };
  for (const [path, node] of changes.snapshot.users.acl) {
    const touched =
      (members.users ?? []).some((u) => node.users.has(u)) ||
      (members.groups ?? []).some((g) => node.groups.has(g)) ||
      (members.tokens ?? []).some((t) => node.tokens.has(t));
    if (!touched) continue;
    writeNode(changes, path, {
      users: drop(node.users, members.users),
      groups: drop(node.groups, members.groups),
      tokens: drop(node.tokens, members.tokens),
    });
  }
}

/** Removes every assignment of a role (a deleted custom role). */
export function removeRoleFromAcl(changes: Changes, role: RoleId): void {
  const without = <K>(map: ReadonlyMap<K, RoleAssignments>): Members<K> => {
    const out: Members<K> = new Map();
    for (const [id, roles] of map) {
      const rest = new Map(roles);
      rest.delete(role);
      if (rest.size > 0) out.set(id, rest);
    }
    return out;
  };
  const uses = (map: ReadonlyMap<unknown, RoleAssignments>): boolean =>
    [...map.values()].some((roles) => roles.has(role));
  for (const [path, node] of changes.snapshot.users.acl) {
    if (!uses(node.users) && !uses(node.groups) && !uses(node.tokens)) continue;
    writeNode(changes, path, {
      users: without(node.users),
      groups: without(node.groups),
      tokens: without(node.tokens),
    });
  }
}

/** Removes the ACL node of a path (a deleted pool's `/pool/<id>`). */
export function removeAclPath(changes: Changes, path: AclPath): void {
  if (changes.snapshot.users.acl.has(path)) writeNode(changes, path, EMPTY);
}
