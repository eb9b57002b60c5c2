/**
 * Validated identifiers. A value of one of these types has passed its constructor, so code
 * that holds a `UserId` never checks it again. Each character rule says why it exists.
 */
import { invalid } from '../errors.js';
import { codePointLength, hasControlCharacter } from './text.js';

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

export type RealmId = Brand<string, 'RealmId'>;
export type UserId = Brand<string, 'UserId'>;
export type TokenName = Brand<string, 'TokenName'>;
export type TokenId = Brand<string, 'TokenId'>;
/** Who a request acts as: a user, or one of a user's API tokens. */
export type Authid = UserId | TokenId;
export type GroupId = Brand<string, 'GroupId'>;
export type RoleId = Brand<string, 'RoleId'>;
export type PoolId = Brand<string, 'PoolId'>;

/** Renders a value for an error message without letting control characters through. */
export function show(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) =>
    c === '\n' ? '\\n' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

// A realm names a section of domains.cfg and the part after `@`: it starts with a letter
// and holds no characters that a section header, a user id or a path would split on.
const REALM = /^[A-Za-z][A-Za-z0-9._-]+$/;
/** Longest realm id the Proxmox API accepts. */
export const REALM_MAX_LENGTH = 32;

// The user part excludes `:` because user.cfg is a `:`-separated file, `/` because it is
// the API path delimiter, and whitespace, `,` and `;` because lists (group members, ACL
// members, API list parameters) are split on them; it does not start with `@`, which marks
// a group in an ACL member list. Proxmox allows `,`, `;` and a leading `@`, and then reads
// `a@pve,b@pve` back as two users (docs/compatibility.md). `@` and `!` are allowed
// elsewhere: the realm is whatever follows the last `@`.
const USERID = /^([^\s:/,;@][^\s:/,;]*)@([A-Za-z][A-Za-z0-9._-]+)$/;
const TOKENID = /^(([^\s:/,;@][^\s:/,;]*)@([A-Za-z][A-Za-z0-9._-]+))!([A-Za-z][A-Za-z0-9._-]+)$/;
// What Proxmox accepts in a user name but splits it on when a list is read back.
const LIST_SEPARATOR = /[,;]|^@/;
/** Shortest and longest user id, counted in characters as Proxmox does. */
export const USERID_MIN_LENGTH = 3;
export const USERID_MAX_LENGTH = 64;
export const TOKEN_NAME_MAX_LENGTH = 64;

// Group and role ids appear in `:`-separated lines, in comma lists and in ACL paths.
const GROUP_OR_ROLE = /^[A-Za-z0-9._-]+$/;
// Pools nest with `/`, at most three levels, because their ACL path is /pool/<id>.
const POOL = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+){0,2}$/;
const POOL_SEGMENTS = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

export function realmIdError(value: string): string | undefined {
  if (!REALM.test(value)) return 'value does not look like a valid realm';
  if (value.length > REALM_MAX_LENGTH) {
    return `value may only be ${REALM_MAX_LENGTH} characters long`;
  }
  return undefined;
}

/**
 * Why a user id that Proxmox accepts is refused here: it holds a list separator, which
 * splits it into other ids when a list is read back (`undefined` when it holds none).
 */
export function listSeparatorError(value: string): string | undefined {
  const separator = LIST_SEPARATOR.exec(value.slice(0, value.lastIndexOf('@')))?.[0];
  if (separator === '@')
    return `user name '${show(value)}' starts with '@', which marks a group in ACL member lists`;
  if (separator !== undefined)
    return `user name '${show(value)}' contains '${separator}', which separates list items (group members, ACL members, list parameters)`;
  return undefined;
}

export function userIdError(value: string): string | undefined {
  const length = codePointLength(value);
  if (length < USERID_MIN_LENGTH) return `user name '${show(value)}' is too short`;
  if (length > USERID_MAX_LENGTH) {
    return `user name '${show(value)}' is too long (${length} > ${USERID_MAX_LENGTH})`;
  }
  const separator = listSeparatorError(value);
  if (separator !== undefined) return separator;
  const match = USERID.exec(value);
  // Control characters are refused as well: they could forge log lines and file lines.
  if (!match || hasControlCharacter(value) || (match[2] ?? '').length > REALM_MAX_LENGTH) {
    return `value '${show(value)}' does not look like a valid user name`;
  }
  return undefined;
}

export function tokenIdError(value: string): string | undefined {
  const match = TOKENID.exec(value);
  if (
    !match ||
    userIdError(match[1] ?? '') !== undefined ||
    (match[4] ?? '').length > TOKEN_NAME_MAX_LENGTH
  ) {
    return `value '${show(value)}' does not look like a valid token ID`;
  }
  return undefined;
}

export function tokenNameError(value: string): string | undefined {
  if (!REALM.test(value) || value.length > TOKEN_NAME_MAX_LENGTH) {
    // Proxmox checks the name with a schema pattern, and says so.
    return 'value does not match the regex pattern';
  }
  return undefined;
}

export function groupIdError(value: string): string | undefined {
  if (!GROUP_OR_ROLE.test(value)) return `group name '${show(value)}' contains invalid characters`;
  // Proxmox's parser reads `@0` in an ACL line as false and drops the entry, so ACLs of a
  // group named "0" would vanish on the next read. Tessera does not create such a group.
  if (value === '0')
    return "group name '0' is not allowed: Proxmox drops ACL entries of a group named '0'";
  return undefined;
}

export function roleIdError(value: string): string | undefined {
  return GROUP_OR_ROLE.test(value)
    ? undefined
    : `role name '${show(value)}' contains invalid characters`;
}

export function poolIdError(value: string): string | undefined {
  if (POOL.test(value)) return undefined;
  if (POOL_SEGMENTS.test(value))
    return `pool name '${show(value)}' nested too deeply (max levels = 3)`;
  return `pool name '${show(value)}' contains invalid characters`;
}

function make<T extends string>(
  check: (value: string) => string | undefined,
): [parse: (value: string, field: string) => T, test: (value: string) => T | undefined] {
  return [
    (value, field) => {
      const error = check(value);
      if (error !== undefined) throw invalid(field, error);
      return value as T;
    },
    (value) => (check(value) === undefined ? (value as T) : undefined),
  ];
}

const realm = make<RealmId>(realmIdError);
const user = make<UserId>(userIdError);
const token = make<TokenId>(tokenIdError);
const tokenName = make<TokenName>(tokenNameError);
const group = make<GroupId>(groupIdError);
const role = make<RoleId>(roleIdError);
const pool = make<PoolId>(poolIdError);

/** Throwing constructors: `field` names the input in the error. */
export const parseRealmId = (value: string, field = 'realm'): RealmId => realm[0](value, field);
export const parseUserId = (value: string, field = 'userid'): UserId => user[0](value, field);
export const parseTokenId = (value: string, field = 'tokenid'): TokenId => token[0](value, field);
export const parseTokenName = (value: string, field = 'tokenid'): TokenName =>
  tokenName[0](value, field);
export const parseGroupId = (value: string, field = 'groupid'): GroupId => group[0](value, field);
export const parseRoleId = (value: string, field = 'roleid'): RoleId => role[0](value, field);
export const parsePoolId = (value: string, field = 'poolid'): PoolId => pool[0](value, field);

/** Non-throwing constructors: `undefined` when the value is invalid. */
export const asRealmId = realm[1];
export const asUserId = user[1];
export const asTokenId = token[1];
export const asTokenName = tokenName[1];
export const asGroupId = group[1];
export const asRoleId = role[1];
export const asPoolId = pool[1];

/** A user id or a token id, whichever the value is. */
export function asAuthid(value: string): Authid | undefined {
  return value.includes('!') ? (asTokenId(value) ?? asUserId(value)) : asUserId(value);
}

export function parseAuthid(value: string, field = 'userid'): Authid {
  const id = asAuthid(value);
  if (id === undefined) {
    throw invalid(field, `value '${show(value)}' does not look like a valid user or token ID`);
  }
  return id;
}

export function isTokenId(id: Authid): id is TokenId {
  // A user id never contains `!` after its last `@`; a token id always does.
  return id.lastIndexOf('!') > id.lastIndexOf('@');
}

export function splitUserId(id: UserId): { name: string; realm: RealmId } {
  const at = id.lastIndexOf('@');
  return { name: id.slice(0, at), realm: id.slice(at + 1) as RealmId };
}

export function splitTokenId(id: TokenId): { user: UserId; name: TokenName } {
  const bang = id.lastIndexOf('!');
  return { user: id.slice(0, bang) as UserId, name: id.slice(bang + 1) as TokenName };
}

export function joinTokenId(userid: UserId, name: TokenName): TokenId {
  return `${userid}!${name}` as TokenId;
}

/** The user an authid acts for: itself, or the owner of a token. */
export function ownerOf(id: Authid): UserId {
  return isTokenId(id) ? splitTokenId(id).user : id;
}

/** The parent of a nested pool (`a/b` for `a/b/c`), if any. */
export function parentPool(id: PoolId): PoolId | undefined {
  const slash = id.lastIndexOf('/');
  return slash < 0 ? undefined : (id.slice(0, slash) as PoolId);
}

/** The superuser of every Proxmox installation: unconfined by ACLs. */
export const ROOT_USERID = 'root@pam' as UserId;
