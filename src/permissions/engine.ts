/**
 * The permission engine: Proxmox VE's `permissions(authid, path)` over a compiled ACL.
 *
 * The algorithm, as upstream (spec: research/pve-access-control.md §4):
 * 1. Walk the path from the root. At each node, a member's entries count if the node is
 *    the checked path, or if they propagate. Token entries win over user entries, user
 *    entries over the union of the user's groups, all within that one node.
 * 2. The deepest node that yields anything decides, entirely; nothing accumulates across
 *    levels. `NoAccess` in the deciding set means no privileges.
 * 3. For a VM or storage that is a pool member (exact path only), the roles the principal
 *    holds on `/pool/<id>` are added with propagate 0, unless the ACL gave NoAccess; a
 *    NoAccess on the pool beats explicit grants.
 * 4. A token with privilege separation gets the intersection with its owner (propagate
 *    flags ANDed); root@pam's tokens are not intersected. A token without it acts as its
 *    owner. root@pam has every privilege everywhere. Disabled or expired accounts are
 *    not considered here: that is authentication's job.
 *
 * Answers are cached per principal and path; a cached answer costs two map lookups and
 * allocates nothing. The engine is immutable: a configuration change compiles a new one.
 */
import type { AclPath } from '../model/acl-path.js';
import {
  asTokenId,
  asUserId,
  ROOT_USERID,
  splitTokenId,
  type Authid,
  type PoolId,
} from '../model/ids.js';
import { privilegeBit, PRIVILEGES, type Privilege } from '../model/privileges.js';
import type { UserConfig } from '../model/user-config.js';
import {
  compileAcl,
  poolPath,
  type AclTreeNode,
  type CompiledAcl,
  type RoleSet,
} from './compile.js';

/** Privileges granted (`g*`) and propagated (`p*`) as two 32-bit words each. */
export interface PermissionResult {
  readonly gl: number;
  readonly gh: number;
  readonly pl: number;
  readonly ph: number;
}

export const NO_PRIVILEGES: PermissionResult = Object.freeze({ gl: 0, gh: 0, pl: 0, ph: 0 });
const ALL_LO = 0xffffffff;
const ALL_HI = (2 ** (PRIVILEGES.length - 32) - 1) >>> 0;
export const ALL_PRIVILEGES: PermissionResult = Object.freeze({
  gl: ALL_LO,
  gh: ALL_HI,
  pl: ALL_LO,
  ph: ALL_HI,
});

export interface EngineOptions {
  /**
   * Upper bound on cached (principal, path) answers. When it is reached the cache starts
   * over, so memory stays bounded whatever paths callers ask about. Default 200,000.
   */
  readonly maxCachedAnswers?: number;
}

const DEFAULT_MAX_CACHED = 200_000;

type PrincipalKind = 'root' | 'user' | 'token' | 'nobody';

/** What the engine knows about one authid, and its cached answers. */
interface Principal {
  readonly authid: Authid;
  readonly kind: PrincipalKind;
  /** Groups of a user; empty for tokens (groups hold users only). */
  readonly groups: ReadonlySet<string>;
  /** For a privilege-separated token: its owner, unless the owner is root@pam. */
  readonly owner: Principal | null;
  readonly answers: Map<string, PermissionResult>;
  /** Roles held on `/pool/<id>`, reduced to what pool membership needs. */
  readonly poolRoles: Map<PoolId, PoolRoles | null>;
}

interface PoolRoles {
  readonly gl: number;
  readonly gh: number;
  readonly noAccess: boolean;
}

/** The outcome of a walk, reused between walks to avoid allocation. */
class WalkState {
  found = false;
  gl = 0;
  gh = 0;
  pl = 0;
  ph = 0;
  noAccess = false;

  reset(): void {
    this.found = false;
    this.gl = this.gh = this.pl = this.ph = 0;
    this.noAccess = false;
  }

  add(set: RoleSet | null): void {
    if (!set) return;
    this.found = true;
    this.gl = (this.gl | set.gl) >>> 0;
    this.gh = (this.gh | set.gh) >>> 0;
    this.pl = (this.pl | set.pl) >>> 0;
    this.ph = (this.ph | set.ph) >>> 0;
    this.noAccess ||= set.noAccess;
  }

  copy(other: WalkState): void {
    this.found = other.found;
    this.gl = other.gl;
    this.gh = other.gh;
    this.pl = other.pl;
    this.ph = other.ph;
    this.noAccess = other.noAccess;
  }

  take(set: RoleSet): void {
    this.found = true;
    this.gl = set.gl;
    this.gh = set.gh;
    this.pl = set.pl;
    this.ph = set.ph;
    this.noAccess = set.noAccess;
  }
}

/**
 * The segments a walk visits. Like Perl's `split`, trailing empty fields are dropped, so
 * `/vms/100/` is `/vms/100`; the root path `/` is the single empty segment (the root).
 */
export function splitPath(path: string): string[] {
  const parts = path.split('/');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length === 0 && path.startsWith('/')) parts.push('');
  return parts;
}

export class PermissionEngine {
  readonly acl: CompiledAcl;
  private readonly principals = new Map<string, Principal>();
  private readonly maxCached: number;
  private cached = 0;
  private readonly state = new WalkState();
  private readonly union = new WalkState();

  constructor(acl: CompiledAcl, options: EngineOptions = {}) {
    this.acl = acl;
    this.maxCached = options.maxCachedAnswers ?? DEFAULT_MAX_CACHED;
  }

  static compile(config: UserConfig, options?: EngineOptions): PermissionEngine {
    return new PermissionEngine(compileAcl(config), options);
  }

  get config(): UserConfig {
    return this.acl.config;
  }

  /** Whether `authid` holds `privilege` on `path`. */
  can(authid: Authid, path: AclPath, privilege: Privilege): boolean {
    const result = this.result(authid, path);
    const bit = privilegeBit(privilege);
    return bit < 32 ? (result.gl & (1 << bit)) !== 0 : (result.gh & (1 << (bit - 32))) !== 0;
  }

  /** Privilege -> propagate flag, for every privilege `authid` holds on `path`. */
  privileges(authid: Authid, path: AclPath): Map<Privilege, boolean> {
    return resultToMap(this.result(authid, path));
  }

  /** The cached answer for (authid, path), computing it on first use. */
  result(authid: Authid, path: AclPath): PermissionResult {
    return this.answer(this.principals.get(authid) ?? this.principal(authid), path);
  }

  private answer(principal: Principal, path: string): PermissionResult {
    return principal.answers.get(path) ?? this.compute(principal, path);
  }

  private principal(authid: Authid): Principal {
    let principal = this.principals.get(authid);
    if (principal) return principal;
    principal = this.resolve(authid);
    this.principals.set(authid, principal);
    return principal;
  }

  private resolve(authid: Authid): Principal {
    const make = (
      kind: PrincipalKind,
      groups: ReadonlySet<string>,
      owner: Principal | null,
    ): Principal => ({
      authid,
      kind,
      groups,
      owner,
      answers: new Map(),
      poolRoles: new Map(),
    });
    if (authid === ROOT_USERID) return make('root', new Set(), null);
    const tokenid = authid.includes('!') ? asTokenId(authid) : undefined;
    if (tokenid !== undefined) {
      const token = this.acl.config.tokens.get(tokenid);
      if (!token) return make('nobody', new Set(), null);
      const ownerId = splitTokenId(tokenid).user;
      // Without privilege separation a token is its owner, answers included.
      if (!token.privsep) return this.principal(ownerId);
      return make('token', new Set(), ownerId === ROOT_USERID ? null : this.principal(ownerId));
    }
    if (asUserId(authid) === undefined) return make('nobody', new Set(), null);
    return make('user', new Set(this.acl.groupsOfUser.get(authid) ?? []), null);
  }

  private compute(principal: Principal, path: string): PermissionResult {
    let result: PermissionResult;
    switch (principal.kind) {
      case 'root':
        result = ALL_PRIVILEGES;
        break;
      case 'nobody':
        result = NO_PRIVILEGES;
        break;
      default:
        result = this.evaluate(principal, path);
    }
    if (this.cached >= this.maxCached) {
      // Start over: callers may ask about any number of paths and authids.
      for (const p of this.principals.values()) p.answers.clear();
      this.principals.clear();
      this.cached = 0;
    }
    principal.answers.set(path, result);
    this.cached++;
    return result;
  }

  private evaluate(principal: Principal, path: string): PermissionResult {
    const state = this.state;
    this.walk(principal, path, state);
    const noAccess = state.found && state.noAccess;
    let gl = noAccess ? 0 : state.gl;
    let gh = noAccess ? 0 : state.gh;
    let pl = noAccess ? 0 : state.pl;
    let ph = noAccess ? 0 : state.ph;

    const pools = this.acl.poolsOfPath.get(path);
    if (pools !== undefined && !noAccess) {
      let poolFound = false;
      let poolNoAccess = false;
      let poolGl = 0;
      let poolGh = 0;
      for (const poolid of pools) {
        const roles = this.poolRoles(principal, poolid);
        if (!roles) continue;
        poolFound = true;
        poolNoAccess ||= roles.noAccess;
        poolGl |= roles.gl;
        poolGh |= roles.gh;
      }
      if (poolFound) {
        if (poolNoAccess) {
          gl = gh = pl = ph = 0;
        } else {
          // Pool roles never propagate: only the granted words change.
          gl |= poolGl;
          gh |= poolGh;
        }
      }
    }

    if (principal.owner !== null) {
      const owner = this.answer(principal.owner, path);
      gl &= owner.gl;
      gh &= owner.gh;
      pl &= owner.pl;
      ph &= owner.ph;
    }
    if ((gl | gh) === 0) return NO_PRIVILEGES;
    return { gl: gl >>> 0, gh: gh >>> 0, pl: (pl & gl) >>> 0, ph: (ph & gh) >>> 0 };
  }

  private poolRoles(principal: Principal, poolid: PoolId): PoolRoles | null {
    const known = principal.poolRoles.get(poolid);
    if (known !== undefined) return known;
    const state = this.state;
    this.walk(principal, poolPath(poolid), state);
    const roles = state.found ? { gl: state.gl, gh: state.gh, noAccess: state.noAccess } : null;
    principal.poolRoles.set(poolid, roles);
    return roles;
  }

  /** Steps 1 and 2 of the algorithm: the role set of the deepest contributing node. */
  private walk(principal: Principal, path: string, state: WalkState): void {
    state.reset();
    const parts = splitPath(path);
    const last = parts.length - 1;
    const isToken = principal.kind === 'token';
    const groups = principal.groups;
    let node: AclTreeNode | undefined = this.acl.root;
    for (let i = 0; i <= last; i++) {
      const segment = parts[i] ?? '';
      // An empty segment (the leading one, or `//`) stays on the same node, so a path
      // without a leading `/` never consults the root, exactly as upstream.
      if (segment !== '') node = node.children.get(segment);
      if (!node) return;
      const final = i === last;

      if (isToken) {
        const member = node.tokens.get(principal.authid);
        const set = member && (final ? member.atNode : member.inherited);
        if (set) state.take(set);
        continue;
      }
      const member = node.users.get(principal.authid);
      const own = member && (final ? member.atNode : member.inherited);
      if (own) {
        state.take(own);
        continue;
      }
      if (node.groups.size === 0 || groups.size === 0) continue;
      // The user's groups at this node contribute together: the union of their roles.
      const union = this.union;
      union.reset();
      if (groups.size < node.groups.size) {
        for (const group of groups) {
          const entry = node.groups.get(group);
          if (entry) union.add(final ? entry.atNode : entry.inherited);
        }
      } else {
        for (const [group, entry] of node.groups) {
          if (groups.has(group)) union.add(final ? entry.atNode : entry.inherited);
        }
      }
      if (union.found) state.copy(union);
    }
  }
}

/** Privilege -> propagate flag of a result, in privilege order. */
export function resultToMap(result: PermissionResult): Map<Privilege, boolean> {
  const out = new Map<Privilege, boolean>();
  PRIVILEGES.forEach((privilege, bit) => {
    const granted = bit < 32 ? result.gl & (1 << bit) : result.gh & (1 << (bit - 32));
    if (granted === 0) return;
    const propagated = bit < 32 ? result.pl & (1 << bit) : result.ph & (1 << (bit - 32));
    out.set(privilege, propagated !== 0);
  });
  return out;
}

/** `{ "<Privilege>": 0|1 }`, the shape of the Proxmox API. */
export function resultToObject(result: PermissionResult): Readonly<Record<string, 0 | 1>> {
  // Few distinct answers exist (one per combination of masks) and every API call asks for
  // one: each is built once and shared, frozen.
  const key = `${String(result.gl)},${String(result.gh)},${String(result.pl)},${String(result.ph)}`;
  let out = objects.get(key);
  if (!out) {
    const built: Record<string, 0 | 1> = {};
    for (const [privilege, propagate] of resultToMap(result)) built[privilege] = propagate ? 1 : 0;
    out = Object.freeze(built);
    if (objects.size >= 4096) objects.clear();
    objects.set(key, out);
  }
  return out;
}

const objects = new Map<string, Readonly<Record<string, 0 | 1>>>();

export function isEmptyResult(result: PermissionResult): boolean {
  return (result.gl | result.gh) === 0;
}
