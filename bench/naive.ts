/**
 * The baseline: Proxmox's algorithm written the plain way, the way the Perl code runs it:
 * no compilation and no cache, string-keyed lookups, and every pool's roles recomputed for
 * every check. The benchmark checks that it answers exactly like the engine.
 */
import { asTokenId, asUserId, ROOT_USERID, splitTokenId, type RoleId } from '../src/model/ids.js';
import { PRIVILEGES, type Privilege } from '../src/model/privileges.js';
import { NO_ACCESS } from '../src/model/roles.js';
import { rolePrivileges, type AclNode, type UserConfig } from '../src/model/user-config.js';
import { splitPath } from '../src/permissions/engine.js';
import type { AclPath } from '../src/model/acl-path.js';

function naiveRoles(config: UserConfig, who: string, path: string): Map<RoleId, boolean> {
  const isToken = who.includes('!');
  let result = new Map<RoleId, boolean>();
  let current = '';
  const parts = splitPath(path);
  parts.forEach((segment, i) => {
    if (segment !== '') current += '/' + segment;
    const node: AclNode | undefined = config.acl.get((current === '' ? '/' : current) as AclPath);
    if (!node) return;
    const final = i === parts.length - 1;
    const take = (
      roles: ReadonlyMap<RoleId, boolean> | undefined,
    ): Map<RoleId, boolean> | undefined => {
      if (!roles) return undefined;
      const found = new Map<RoleId, boolean>();
      for (const [role, propagate] of roles) if (final || propagate) found.set(role, propagate);
      return found.size > 0 ? found : undefined;
    };
    const own = isToken ? take(node.tokens.get(who as never)) : take(node.users.get(who as never));
    if (own) {
      result = own;
      return;
    }
    if (isToken) return;
    const union = new Map<RoleId, boolean>();
    for (const [group, roles] of node.groups) {
      if (!config.groups.get(group)?.members.has(who as never)) continue;
      for (const [role, propagate] of take(roles) ?? [])
        union.set(role, (union.get(role) ?? false) || propagate);
    }
    if (union.size > 0) result = union;
  });
  const noAccess = result.get(NO_ACCESS);
  return noAccess === undefined ? result : new Map([[NO_ACCESS, noAccess]]);
}

/** privilege -> propagate, computed from scratch. */
export function naivePermissions(
  config: UserConfig,
  who: string,
  path: string,
): Map<Privilege, boolean> {
  if (who === ROOT_USERID) return new Map(PRIVILEGES.map((p) => [p, true]));
  const tokenid = who.includes('!') ? asTokenId(who) : undefined;
  let owner: string | undefined;
  if (tokenid !== undefined) {
    const token = config.tokens.get(tokenid);
    if (!token) return new Map();
    owner = splitTokenId(tokenid).user;
    if (!token.privsep) return naivePermissions(config, owner, path);
  } else if (asUserId(who) === undefined) {
    return new Map();
  }

  const poolRoles = new Map<string, Set<RoleId>>();
  for (const pool of config.pools.values()) {
    const roles = naiveRoles(config, who, `/pool/${pool.poolid}`);
    if (roles.size === 0) continue;
    for (const member of [
      ...[...pool.vms].map((v) => `/vms/${v}`),
      ...[...pool.storage].map((s) => `/storage/${s}`),
    ]) {
      const set = poolRoles.get(member) ?? new Set<RoleId>();
      for (const role of roles.keys()) set.add(role);
      poolRoles.set(member, set);
    }
  }
  let roles = naiveRoles(config, who, path);
  const fromPools = poolRoles.get(path);
  if (fromPools && !roles.has(NO_ACCESS)) {
    if (fromPools.has(NO_ACCESS)) roles = new Map([[NO_ACCESS, false]]);
    else for (const role of fromPools) roles.set(role, roles.get(role) ?? false);
  }
  const privileges = new Map<Privilege, boolean>();
  for (const [role, propagate] of roles) {
    for (const privilege of rolePrivileges(config, role) ?? [])
      privileges.set(privilege, (privileges.get(privilege) ?? false) || propagate);
  }
  if (owner !== undefined && owner !== ROOT_USERID) {
    const ownerPrivileges = naivePermissions(config, owner, path);
    for (const [privilege, propagate] of privileges) {
      const ownerPropagate = ownerPrivileges.get(privilege);
      if (ownerPropagate === undefined) privileges.delete(privilege);
      else privileges.set(privilege, propagate && ownerPropagate);
    }
  }
  return privileges;
}
