/**
 * Converts between Tessera's user.cfg model and the in-memory structure of Proxmox's Perl
 * parser, the shape in which the conformance fixtures state their expectations.
 */
import { normalizeAclPath, type AclPath } from '../../src/model/acl-path.js';
import { sortAclPaths } from '../../src/model/acl-path.js';
import {
  joinTokenId,
  parentPool,
  splitTokenId,
  type GroupId,
  type PoolId,
  type RoleId,
  type TokenId,
  type TokenName,
  type UserId,
} from '../../src/model/ids.js';
import type { Privilege } from '../../src/model/privileges.js';
import type { AclNode, Pool, Token, User, UserConfig } from '../../src/model/user-config.js';
import { aclPathSegments } from '../../src/model/acl-path.js';

type Flags = Record<string, number>;
interface PerlAclNode {
  users?: Record<string, Flags>;
  groups?: Record<string, Flags>;
  tokens?: Record<string, Flags>;
  children?: Record<string, PerlAclNode>;
}
export interface PerlModel {
  users?: Record<string, PerlUser>;
  groups?: Record<string, { users: Record<string, number>; comment?: string }>;
  roles?: Record<string, Record<string, number>>;
  pools?: Record<
    string,
    {
      vms: Record<string, number>;
      storage: Record<string, number>;
      pools?: Record<string, number>;
      parent?: string;
      comment?: string;
    }
  >;
  vms?: Record<string, string>;
  acl_root?: PerlAclNode;
}
interface PerlUser {
  enable?: number;
  expire?: number;
  email?: string | null;
  firstname?: string;
  lastname?: string;
  comment?: string;
  keys?: string;
  groups?: Record<string, number>;
  tokens?: Record<string, { expire?: number; privsep?: number; comment?: string }>;
}

const ones = (keys: Iterable<string>): Record<string, number> =>
  Object.fromEntries([...keys].sort().map((k) => [k, 1]));

/** Sets an own property, even for keys such as `__proto__`. */
function put<T>(target: Record<string, T>, key: string, value: T): T {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return value;
}

/** Tessera model -> Perl structure (built-in roles left out, as in the fixtures). */
export function toPerlModel(config: UserConfig): PerlModel {
  const model: PerlModel = {};
  model.users = {};
  for (const [id, u] of config.users) {
    const user: PerlUser = { enable: u.enable ? 1 : 0, expire: u.expire, email: u.email ?? null };
    if (u.firstname !== undefined) user.firstname = u.firstname;
    if (u.lastname !== undefined) user.lastname = u.lastname;
    if (u.comment !== undefined) user.comment = u.comment;
    if (u.keys !== undefined) user.keys = u.keys;
    const groups = [...config.groups.values()]
      .filter((g) => g.members.has(id))
      .map((g) => g.groupid);
    if (groups.length > 0) user.groups = ones(groups);
    put(model.users, id, user);
  }
  for (const t of config.tokens.values()) {
    const { user, name } = splitTokenId(t.tokenid);
    const owner = model.users[user];
    if (!owner) continue;
    owner.tokens ??= {};
    put(owner.tokens, name, {
      expire: t.expire,
      privsep: t.privsep ? 1 : 0,
      ...(t.comment !== undefined ? { comment: t.comment } : {}),
    });
  }
  if (config.groups.size > 0) {
    model.groups = {};
    for (const [id, g] of config.groups) {
      put(model.groups, id, {
        users: ones(g.members),
        ...(g.comment !== undefined ? { comment: g.comment } : {}),
      });
    }
  }
  model.roles = {};
  for (const [id, r] of config.roles) put(model.roles, id, ones(r.privileges));
  if (config.pools.size > 0) {
    model.pools = {};
    const vms: Record<string, string> = {};
    for (const [id, p] of config.pools) {
      const children = [...config.pools.keys()].filter((c) => parentPool(c) === id);
      const parent = parentPool(id);
      put(model.pools, id, {
        vms: ones(p.vms),
        storage: ones(p.storage),
        pools: ones(children),
        ...(parent !== undefined ? { parent } : {}),
        ...(p.comment !== undefined ? { comment: p.comment } : {}),
      });
      for (const vm of p.vms) put(vms, vm, id);
    }
    if (Object.keys(vms).length > 0) model.vms = vms;
  }
  model.acl_root = {};
  for (const path of sortAclPaths(config.acl.keys())) {
    const node = config.acl.get(path);
    if (!node) continue;
    let target = model.acl_root;
    for (const segment of aclPathSegments(path)) {
      target.children ??= {};
      target =
        (Object.hasOwn(target.children, segment) ? target.children[segment] : undefined) ??
        put(target.children, segment, {});
    }
    for (const kind of ['users', 'groups', 'tokens'] as const) {
      const members = node[kind];
      if (members.size === 0) continue;
      const out: Record<string, Flags> = (target[kind] = {});
      for (const [member, roles] of members) {
        put(out, member, Object.fromEntries([...roles].map(([r, p]) => [r, p ? 1 : 0])));
      }
    }
  }
  return model;
}

/**
 * Perl structure -> Tessera model, for writer tests. The fixture models are produced by
 * Proxmox itself, so the identifiers in them are valid.
 */
export function fromPerlModel(model: PerlModel): UserConfig {
  const users = new Map<UserId, User>();
  const tokens = new Map<TokenId, Token>();
  for (const [id, u] of Object.entries(model.users ?? {})) {
    const userid = id as UserId;
    const user: { -readonly [K in keyof User]: User[K] } = {
      userid,
      enable: (u.enable ?? 0) !== 0,
      expire: u.expire ?? 0,
    };
    if (u.firstname !== undefined) user.firstname = u.firstname;
    if (u.lastname !== undefined) user.lastname = u.lastname;
    if (u.email !== undefined && u.email !== null) user.email = u.email;
    if (u.comment !== undefined) user.comment = u.comment;
    if (u.keys !== undefined) user.keys = u.keys;
    users.set(userid, user);
    for (const [name, t] of Object.entries(u.tokens ?? {})) {
      const tokenid = joinTokenId(userid, name as TokenName);
      tokens.set(tokenid, {
        tokenid,
        expire: t.expire ?? 0,
        privsep: (t.privsep ?? 0) !== 0,
        ...(t.comment !== undefined ? { comment: t.comment } : {}),
      });
    }
  }
  const groups = new Map(
    Object.entries(model.groups ?? {}).map(([id, g]) => [
      id as GroupId,
      {
        groupid: id as GroupId,
        members: new Set(Object.keys(g.users) as UserId[]),
        ...(g.comment !== undefined ? { comment: g.comment } : {}),
      },
    ]),
  );
  const roles = new Map(
    Object.entries(model.roles ?? {}).map(([id, privs]) => [
      id as RoleId,
      { roleid: id as RoleId, privileges: new Set(Object.keys(privs) as Privilege[]) },
    ]),
  );
  const pools = new Map<PoolId, Pool>(
    Object.entries(model.pools ?? {}).map(([id, p]) => [
      id as PoolId,
      {
        poolid: id as PoolId,
        vms: new Set(Object.keys(p.vms)),
        storage: new Set(Object.keys(p.storage)),
        ...(p.comment !== undefined ? { comment: p.comment } : {}),
      },
    ]),
  );
  const acl = new Map<AclPath, AclNode>();
  const walk = (node: PerlAclNode, path: string): void => {
    const toMap = (members: Record<string, Flags> | undefined): Map<never, Map<RoleId, boolean>> =>
      new Map(
        Object.entries(members ?? {}).map(([m, roles]) => [
          m as never,
          new Map(Object.entries(roles).map(([r, p]) => [r as RoleId, p !== 0])),
        ]),
      );
    if (node.users ?? node.groups ?? node.tokens) {
      acl.set(normalizeAclPath(path) ?? ('/' as AclPath), {
        users: toMap(node.users),
        groups: toMap(node.groups),
        tokens: toMap(node.tokens),
      });
    }
    for (const [segment, child] of Object.entries(node.children ?? {}))
      walk(child, `${path === '/' ? '' : path}/${segment}`);
  };
  walk(model.acl_root ?? {}, '/');
  return { users, tokens, groups, roles, pools, acl };
}

/**
 * Brings a Perl model to the form Tessera's model can express, for comparing parse
 * results. Three differences are representational, not behavioural:
 * - `email`: Perl stores `undef` or `""` depending on whether later fields were present;
 *   both mean "no email" and are written the same way.
 * - `expire`: the root@pam entry Proxmox adds has no `expire`; it means 0.
 * - `users.<u>.groups`: Tessera derives a user's groups from group membership. Perl's
 *   parser leaves it out when a group line precedes the user line, an order Proxmox
 *   itself never writes; permissions read membership from the group either way.
 */
export function normalizePerlModel(model: PerlModel): PerlModel {
  const copy = JSON.parse(JSON.stringify(model)) as PerlModel;
  for (const [id, user] of Object.entries(copy.users ?? {})) {
    if (user.email === '' || user.email === undefined) user.email = null;
    user.expire ??= 0;
    const groups = Object.entries(copy.groups ?? {})
      .filter(([, g]) => g.users[id] !== undefined)
      .map(([g]) => g);
    if (groups.length > 0) user.groups = ones(groups);
    else delete user.groups;
  }
  return copy;
}
