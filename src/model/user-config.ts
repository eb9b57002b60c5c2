/**
 * The access configuration that Proxmox keeps in user.cfg: users, API tokens, groups,
 * custom roles, pools and the ACL. Plain immutable data; the rules that keep it valid are
 * in the constructors of its identifiers and in the field checks below.
 */
import type { AclPath } from './acl-path.js';
import type { GroupId, PoolId, RoleId, TokenId, UserId } from './ids.js';
import type { Privilege } from './privileges.js';
import { BUILTIN_ROLES } from './roles.js';
import { hasControlCharacter } from './text.js';

export interface User {
  readonly userid: UserId;
  readonly enable: boolean;
  /** Unix time after which the account is expired; 0 means never. */
  readonly expire: number;
  readonly firstname?: string;
  readonly lastname?: string;
  readonly email?: string;
  readonly comment?: string;
  /** Legacy second-factor key list; `x` means "see tfa.cfg". */
  readonly keys?: string;
}

export interface Token {
  readonly tokenid: TokenId;
  /** Unix time after which the token is expired; 0 means never. */
  readonly expire: number;
  /** Privilege separation: the token's ACLs are intersected with its owner's. */
  readonly privsep: boolean;
  readonly comment?: string;
}

export interface Group {
  readonly groupid: GroupId;
  /** Members may name users that do not exist: Proxmox keeps and honours them. */
  readonly members: ReadonlySet<UserId>;
  readonly comment?: string;
}

export interface Role {
  readonly roleid: RoleId;
  readonly privileges: ReadonlySet<Privilege>;
}

export interface Pool {
  readonly poolid: PoolId;
  readonly comment?: string;
  /** VM ids in canonical decimal form (no leading zeros). A VM is in at most one pool. */
  readonly vms: ReadonlySet<string>;
  readonly storage: ReadonlySet<string>;
}

/** Role assignments of one member at one path: role -> propagate. */
export type RoleAssignments = ReadonlyMap<RoleId, boolean>;

export interface AclNode {
  readonly users: ReadonlyMap<UserId, RoleAssignments>;
  readonly groups: ReadonlyMap<GroupId, RoleAssignments>;
  readonly tokens: ReadonlyMap<TokenId, RoleAssignments>;
}

export interface UserConfig {
  readonly users: ReadonlyMap<UserId, User>;
  readonly tokens: ReadonlyMap<TokenId, Token>;
  readonly groups: ReadonlyMap<GroupId, Group>;
  /** Custom roles only; built-in roles are in {@link BUILTIN_ROLES}. */
  readonly roles: ReadonlyMap<RoleId, Role>;
  readonly pools: ReadonlyMap<PoolId, Pool>;
  readonly acl: ReadonlyMap<AclPath, AclNode>;
}

export type AclMemberKind = 'user' | 'group' | 'token';

/** The privileges of a role, built-in or custom; `undefined` if there is no such role. */
export function rolePrivileges(
  config: UserConfig,
  roleid: RoleId,
): ReadonlySet<Privilege> | undefined {
  return BUILTIN_ROLES.get(roleid) ?? config.roles.get(roleid)?.privileges;
}

// Field checks. Free text (names, comments) is percent-encoded in user.cfg, so any text is
// safe there except control characters, which would reach terminals and logs; tab and line
// feed stay allowed because multi-line comments are legitimate. Raw fields (email, keys)
// are written as they are and must not hold anything that could end a field or a line.

export function textFieldError(value: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(value))
    return 'value contains control characters';
  // Proxmox trims every field it reads, so surrounding whitespace would not survive.
  if (value !== value.trim()) return 'value must not start or end with whitespace';
  return undefined;
}

export function rawFieldError(value: string): string | undefined {
  if (value.includes(':')) return "value must not contain ':'";
  if (hasControlCharacter(value)) return 'value contains control characters';
  if (value !== value.trim()) return 'value must not start or end with whitespace';
  return undefined;
}

/** An empty configuration with nothing in it (not even root@pam). */
export function emptyUserConfig(): UserConfig {
  return {
    users: new Map(),
    tokens: new Map(),
    groups: new Map(),
    roles: new Map(),
    pools: new Map(),
    acl: new Map(),
  };
}
