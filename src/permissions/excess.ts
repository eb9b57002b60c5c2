/**
 * Does one principal hold a privilege, on some path, that another lacks? The question behind
 * "no escalation by delegation" (docs/compatibility.md): an actor may only change accounts
 * whose privileges it holds itself, and only hand out privileges it holds.
 *
 * A principal's answer for a path is decided by the deepest ACL node on that path where it
 * (its groups, its owner) has entries, and by whether the path is that node; pools add roles
 * at their members' exact paths. So comparing two principals needs only the nodes where
 * either has entries, one path just below each (what the node passes on), and the pool
 * members' paths: every other path answers like one of these.
 */
import type { AclPath } from '../model/acl-path.js';
import { splitTokenId, type Authid, type TokenId } from '../model/ids.js';
import { PRIVILEGES, type Privilege } from '../model/privileges.js';
import type { UserConfig } from '../model/user-config.js';
import type { PermissionEngine, PermissionResult } from './engine.js';

export interface Excess {
  readonly path: string;
  readonly privilege: Privilege;
}

export interface Principal {
  readonly engine: PermissionEngine;
  readonly authid: Authid;
}

// No ACL path holds a NUL, so this child of a node exists in no tree: it answers with what
// the node passes on to paths below it.
const BELOW = '\u0000';

/**
 * The first privilege (in path order, then privilege order) that `other` holds and `actor`
 * does not hold on the same path, nor `baseline` (`other` before a change, so that only
 * what the change gives counts); `undefined` when there is none.
 */
export function firstExcess(
  actor: Principal,
  other: Principal,
  baseline?: Principal,
): Excess | undefined {
  const paths = new Set<string>(['/']);
  for (const { engine, authid } of baseline ? [actor, other, baseline] : [actor, other]) {
    addEntryPaths(paths, engine.config, engine.acl.groupsOfUser, authid);
    for (const path of engine.acl.poolsOfPath.keys()) paths.add(path);
  }
  for (const path of [...paths].sort()) {
    for (const probe of [path, `${path === '/' ? '' : path}/${BELOW}`]) {
      const held = other.engine.result(other.authid, probe as AclPath);
      if ((held.gl | held.gh) === 0) continue;
      const own = actor.engine.result(actor.authid, probe as AclPath);
      const before = baseline?.engine.result(baseline.authid, probe as AclPath);
      const privilege = firstMissing(held, own, before);
      if (privilege !== undefined) return { path, privilege };
    }
  }
  return undefined;
}

/** Paths of the ACL nodes where `authid`, its groups or (for a token) its owner have entries. */
function addEntryPaths(
  paths: Set<string>,
  config: UserConfig,
  groupsOfUser: ReadonlyMap<string, readonly string[]>,
  authid: Authid,
): void {
  const user = authid.includes('!') ? splitTokenId(authid as TokenId).user : authid;
  const groups = groupsOfUser.get(user) ?? [];
  for (const [path, node] of config.acl) {
    if (
      node.users.has(user as never) ||
      node.tokens.has(authid as never) ||
      groups.some((group) => node.groups.has(group as never))
    )
      paths.add(path);
  }
}

/**
 * The first privilege (in privilege order) in `held` that neither `own` nor `before` has.
 */
export function firstMissing(
  held: PermissionResult,
  own: PermissionResult,
  before: PermissionResult | undefined,
): Privilege | undefined {
  const lo = (held.gl & ~own.gl & ~(before?.gl ?? 0)) >>> 0;
  const hi = (held.gh & ~own.gh & ~(before?.gh ?? 0)) >>> 0;
  if ((lo | hi) === 0) return undefined;
  return PRIVILEGES.find((_, bit) =>
    bit < 32 ? (lo & (1 << bit)) !== 0 : (hi & (1 << (bit - 32))) !== 0,
  );
}
