/**
 * How each entity is kept in the store: its key, and its value as JSON. Public
 * configuration and secrets live under separate keys (`users/...` and
 * `secrets/passwords/...`), so that listing or replicating the one never touches the other.
 *
 * Realms, password hashes and TFA entries carry a sequence number: Proxmox writes them in
 * file order (domains.cfg) or hash order (shadow.cfg, tfa.cfg), and keeping the order they
 * were imported in makes an export reproduce the imported files.
 */
import type { AclPath } from '../model/acl-path.js';
import { parseAclPath } from '../model/acl-path.js';
import {
  asGroupId,
  asRealmId,
  asRoleId,
  asTokenId,
  asUserId,
  type GroupId,
  type PoolId,
  type RealmId,
  type RoleId,
  type TokenId,
  type UserId,
} from '../model/ids.js';
import { isPrivilege, type Privilege } from '../model/privileges.js';
import {
  isRealmType,
  optionAllowed,
  type OptionValue,
  type PendingOidcLogin,
  type RealmConfig,
  type RealmOptionName,
} from '../model/realm.js';
import type { PendingChallenge, TfaUser } from '../model/tfa.js';
import type {
  AclNode,
  Group,
  Pool,
  Role,
  RoleAssignments,
  Token,
  User,
} from '../model/user-config.js';
import { tfaUserFromJson, tfaUserToJson } from '../formats/tfa-cfg.js';
import { parseDatacenterCfg } from '../formats/datacenter-cfg.js';
import type { DatacenterConfig } from '../model/datacenter.js';
import {
  isPasswordHashKind,
  PASSWORD_HASH_KINDS,
  type PasswordHashKind,
} from '../model/password-hash.js';

export const KEYS = {
  user: (id: UserId) => `users/${id}`,
  token: (id: TokenId) => `tokens/${id}`,
  group: (id: GroupId) => `groups/${id}`,
  role: (id: RoleId) => `roles/${id}`,
  pool: (id: PoolId) => `pools/${id}`,
  acl: (path: AclPath) => `acl/${path}`,
  realm: (id: RealmId) => `realms/${id}`,
  tfa: (id: UserId) => `tfa/${id}`,
  /** A WebAuthn challenge handed out and not yet answered (any node may take the answer). */
  tfaChallenge: (challenge: string) => `tfa-challenges/${challenge}`,
  /** An OpenID login on its way through the provider (any node may take the answer). */
  oidcState: (state: string) => `oidc-states/${state}`,
  password: (id: UserId) => `secrets/passwords/${id}`,
  tokenSecret: (id: TokenId) => `secrets/tokens/${id}`,
  realmSecret: (id: RealmId) => `secrets/realms/${id}`,
  /** Tessera's own keys (ticket signing, CSRF): not part of a Proxmox configuration. */
  serverKey: (name: string) => `secrets/keys/${name}`,
  /**
   * When a user's sessions were last revoked (Tessera's own): kept apart from `users/` so
   * that it outlives a delete and still refuses the tickets of a user id created again.
   */
  sessions: (id: string) => `sessions/${id}`,
  /**
   * Proxmox's datacenter.cfg as text (one key, not a prefix): Tessera reads its
   * authentication settings and writes the whole file back on export.
   */
  datacenter: () => 'datacenter.cfg',
  /**
   * Tessera's own settings for the whole deployment (`password-hash`): not part of a Proxmox
   * configuration, so import and export leave them alone.
   */
  setting: (name: string) => `settings/${name}`,
} as const;

export type EntityKind = keyof typeof KEYS;

const PREFIXES: readonly (readonly [string, EntityKind])[] = Object.entries(KEYS).map(
  ([kind, make]) => [make('' as never), kind as EntityKind] as const,
);

/** The kind and id of a key, or `undefined` for keys of no known kind (left alone). */
export function parseKey(key: string): { kind: EntityKind; id: string } | undefined {
  for (const [prefix, kind] of PREFIXES) {
    // A kind of one key (no `/` at the end) has that key alone, with an empty id.
    if (!prefix.endsWith('/')) {
      if (key === prefix) return { kind, id: '' };
      continue;
    }
    if (key.startsWith(prefix) && key.length > prefix.length)
      return { kind, id: key.slice(prefix.length) };
  }
  return undefined;
}

/**
 * Kinds that are not part of the access configuration a Proxmox directory holds: Tessera's
 * own keys, and logins and registrations on their way (challenges, OpenID states).
 */
const NOT_CONFIGURATION: ReadonlySet<EntityKind> = new Set([
  'serverKey',
  'tfaChallenge',
  'oidcState',
  'sessions',
  'setting',
]);

/**
 * Kinds whose values hold secrets: password hashes, token secret hashes, bind passwords,
 * Tessera's ticket and CSRF keys, second factors (TOTP secrets, Yubico ids, recovery keys),
 * realms (an OpenID client secret, a Yubico API key in `tfa`), OpenID logins on their way
 * (the PKCE verifier), and datacenter.cfg (`http_proxy` may hold a proxy password). They are
 * sealed at rest (sealed.ts), and the stores keep no old values of them in their change
 * history.
 */
const SECRET_KINDS: ReadonlySet<EntityKind> = new Set([
  'password',
  'tokenSecret',
  'realmSecret',
  'serverKey',
  'tfa',
  'realm',
  'oidcState',
  'datacenter',
]);

/** Whether a key's value holds a secret (see {@link SECRET_KINDS}). */
export function isSecretKey(key: string): boolean {
  const kind = parseKey(key)?.kind;
  return kind !== undefined && SECRET_KINDS.has(kind);
}

/** Whether a key holds part of the access configuration (what import and export move). */
export function isConfigurationKey(key: string): boolean {
  const kind = parseKey(key)?.kind;
  return kind !== undefined && !NOT_CONFIGURATION.has(kind);
}

/** A stored value that cannot be read; the key is named so an administrator can fix it. */
export class CodecError extends Error {}

type Json = Record<string, unknown>;

function object(text: string): Json {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CodecError('value is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new CodecError('value is not a JSON object');
  return value as Json;
}

function optionalText(json: Json, field: string): string | undefined {
  const value = json[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new CodecError(`'${field}' must be a string`);
  return value;
}

function integer(json: Json, field: string): number {
  const value = json[field] ?? 0;
  if (typeof value !== 'number' || !Number.isSafeInteger(value))
    throw new CodecError(`'${field}' must be an integer`);
  return value;
}

function flag(json: Json, field: string): boolean {
  const value = json[field];
  if (typeof value !== 'boolean') throw new CodecError(`'${field}' must be a boolean`);
  return value;
}

function textList(json: Json, field: string): string[] {
  const value = json[field] ?? [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
    throw new CodecError(`'${field}' must be a list of strings`);
  return value;
}

function ids<T>(values: readonly string[], check: (v: string) => T | undefined, what: string): T[] {
  return values.map((v) => {
    const id = check(v);
    if (id === undefined) throw new CodecError(`invalid ${what} '${v}'`);
    return id;
  });
}

/** JSON without the `undefined` fields, so values stay small and stable. */
function compact(json: Json): string {
  return JSON.stringify(json);
}

export function encodeUser(user: User): string {
  return compact({
    enable: user.enable,
    expire: user.expire,
    firstname: user.firstname,
    lastname: user.lastname,
    email: user.email,
    comment: user.comment,
    keys: user.keys,
  });
}

function optionalFields<K extends string>(
  json: Json,
  fields: readonly K[],
): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const field of fields) {
    const value = optionalText(json, field);
    if (value !== undefined) out[field] = value;
  }
  return out;
}

export function decodeUser(userid: UserId, text: string): User {
  const json = object(text);
  return {
    userid,
    enable: flag(json, 'enable'),
    expire: integer(json, 'expire'),
    ...optionalFields(json, ['firstname', 'lastname', 'email', 'comment', 'keys'] as const),
  };
}

export function encodeToken(token: Token): string {
  return compact({ expire: token.expire, privsep: token.privsep, comment: token.comment });
}

export function decodeToken(tokenid: TokenId, text: string): Token {
  const json = object(text);
  return {
    tokenid,
    expire: integer(json, 'expire'),
    privsep: flag(json, 'privsep'),
    ...optionalFields(json, ['comment'] as const),
  };
}

export function encodeGroup(group: Group): string {
  return compact({ members: [...group.members], comment: group.comment });
}

export function decodeGroup(groupid: GroupId, text: string): Group {
  const json = object(text);
  return {
    groupid,
    members: new Set(ids(textList(json, 'members'), asUserId, 'member')),
    ...optionalFields(json, ['comment'] as const),
  };
}

export function encodeRole(role: Role): string {
  return compact({ privs: [...role.privileges] });
}

export function decodeRole(roleid: RoleId, text: string): Role {
  const privileges = textList(object(text), 'privs');
  for (const p of privileges) if (!isPrivilege(p)) throw new CodecError(`unknown privilege '${p}'`);
  return { roleid, privileges: new Set(privileges as Privilege[]) };
}

export function encodePool(pool: Pool): string {
  return compact({ comment: pool.comment, vms: [...pool.vms], storage: [...pool.storage] });
}

export function decodePool(poolid: PoolId, text: string): Pool {
  const json = object(text);
  return {
    poolid,
    vms: new Set(textList(json, 'vms')),
    storage: new Set(textList(json, 'storage')),
    ...optionalFields(json, ['comment'] as const),
  };
}

/** `[member, role, propagate]` triples: arrays parse much faster than objects keyed by id. */
type Assignment = [string, string, boolean];

function assignmentsJson<K extends string>(members: ReadonlyMap<K, RoleAssignments>): Assignment[] {
  const out: Assignment[] = [];
  for (const [member, roles] of members)
    for (const [role, propagate] of roles) out.push([member, role, propagate]);
  return out;
}

export function encodeAclNode(node: AclNode): string {
  return compact({
    users: assignmentsJson(node.users),
    groups: assignmentsJson(node.groups),
    tokens: assignmentsJson(node.tokens),
  });
}

// A large configuration holds a million assignments but few distinct role lists: most
// members hold one role with one flag. Those share one map each (bounded: role ids are few,
// but a store could hold any number of them); a role found here was checked already.
const singleRoles = new Map<string, RoleAssignments>();
const SINGLE_ROLES = 4096;

function roleOf(role: string, member: string): RoleId {
  const roleid = asRoleId(role);
  if (roleid === undefined) throw new CodecError(`bad role '${role}' of '${member}'`);
  return roleid;
}

function singleRole(role: string, propagate: boolean, member: string): RoleAssignments {
  const key = propagate ? `${role}:1` : `${role}:0`;
  let roles = singleRoles.get(key);
  if (!roles) {
    const roleid = roleOf(role, member);
    if (singleRoles.size >= SINGLE_ROLES) singleRoles.clear();
    singleRoles.set(key, (roles = new Map([[roleid, propagate]])));
  }
  return roles;
}

function assignments<K>(
  json: Json,
  field: string,
  check: (v: string) => K | undefined,
): Map<K, RoleAssignments> {
  const value: unknown = json[field] ?? [];
  if (!Array.isArray(value)) throw new CodecError(`'${field}' must be a list`);
  const out = new Map<K, RoleAssignments>();
  // Ids repeat across entries; each distinct one is checked once.
  let lastMember = '';
  let lastId: K | undefined;
  for (const entry of value as unknown[]) {
    if (!Array.isArray(entry) || entry.length !== 3)
      throw new CodecError(`'${field}' entries must be [member, role, propagate]`);
    const [member, role, propagate] = entry as unknown[];
    if (typeof member !== 'string' || typeof role !== 'string' || typeof propagate !== 'boolean')
      throw new CodecError(`bad '${field}' entry`);
    const id = member === lastMember && lastId !== undefined ? lastId : check(member);
    if (id === undefined) throw new CodecError(`invalid ${field} member '${member}'`);
    lastMember = member;
    lastId = id;
    const roles = out.get(id);
    // A further role gives the member a map of its own: the shared ones are never changed.
    out.set(
      id,
      roles
        ? new Map(roles).set(roleOf(role, member), propagate)
        : singleRole(role, propagate, member),
    );
  }
  return out;
}

export function decodeAclNode(text: string): AclNode {
  const json = object(text);
  return {
    users: assignments(json, 'users', asUserId),
    groups: assignments(json, 'groups', asGroupId),
    tokens: assignments(json, 'tokens', asTokenId),
  };
}

export function aclPathOf(id: string): AclPath {
  try {
    return parseAclPath(id);
  } catch {
    throw new CodecError(`invalid ACL path '${id}'`);
  }
}

export function encodeRealm(realm: RealmConfig, seq: number): string {
  return compact({ type: realm.type, seq, options: Object.fromEntries(realm.options) });
}

export function decodeRealm(realmid: RealmId, text: string): { realm: RealmConfig; seq: number } {
  const json = object(text);
  const type = json['type'];
  if (typeof type !== 'string' || !isRealmType(type)) throw new CodecError('invalid realm type');
  const rawOptions: unknown = json['options'] ?? {};
  if (typeof rawOptions !== 'object' || rawOptions === null)
    throw new CodecError("'options' must be an object");
  const options = new Map<RealmOptionName, OptionValue>();
  for (const [name, value] of Object.entries(rawOptions as Json)) {
    if (!optionAllowed(type, name)) throw new CodecError(`option '${name}' is not one of ${type}`);
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
      throw new CodecError(`option '${name}' has a bad value`);
    options.set(name, value);
  }
  return { realm: { realm: realmid, type, options }, seq: integer(json, 'seq') };
}

export function encodeTfaUser(user: TfaUser, seq: number): string {
  return compact({ seq, data: tfaUserToJson(user), failures: user.failures });
}

export function decodeTfaUser(userid: UserId, text: string): { user: TfaUser; seq: number } {
  const json = object(text);
  try {
    // Locks are kept whatever their age; the login compares them with the clock.
    const user = tfaUserFromJson(json['data'], userid, 0);
    const failures = json['failures'];
    const counted =
      typeof failures === 'object' && failures !== null
        ? {
            totp: integer(failures as Json, 'totp'),
            tfa: integer(failures as Json, 'tfa'),
          }
        : undefined;
    return {
      user:
        counted && (counted.totp > 0 || counted.tfa > 0) ? { ...user, failures: counted } : user,
      seq: integer(json, 'seq'),
    };
  } catch (err) {
    if (err instanceof CodecError) throw err;
    throw new CodecError(err instanceof Error ? err.message : String(err));
  }
}

export function encodePassword(hash: string, seq: number): string {
  return compact({ hash, seq });
}

export function decodePassword(text: string): { hash: string; seq: number } {
  const json = object(text);
  const hash = optionalText(json, 'hash');
  if (hash === undefined || hash === '') throw new CodecError("'hash' is missing");
  return { hash, seq: integer(json, 'seq') };
}

export function encodeSecret(secret: string): string {
  return compact({ secret });
}

export function decodeSecret(text: string): string {
  const secret = optionalText(object(text), 'secret');
  if (secret === undefined) throw new CodecError("'secret' is missing");
  return secret;
}

export function encodeTfaChallenge(pending: PendingChallenge): string {
  return compact({ ...pending });
}

export function decodeTfaChallenge(challenge: string, text: string): PendingChallenge {
  const json = object(text);
  const userid = asUserId(optionalText(json, 'userid') ?? '');
  if (userid === undefined) throw new CodecError("'userid' is not a user id");
  const kind = json['kind'];
  if (kind !== 'login' && kind !== 'register')
    throw new CodecError("'kind' must be login or register");
  const rpId = optionalText(json, 'rpId');
  const origin = optionalText(json, 'origin');
  if (rpId === undefined || origin === undefined)
    throw new CodecError("'rpId' and 'origin' are required");
  const description = optionalText(json, 'description');
  const subdomains = json['subdomains'] === true;
  return {
    challenge,
    userid,
    kind,
    created: integer(json, 'created'),
    rpId,
    origin,
    ...(subdomains ? { subdomains } : {}),
    ...(description !== undefined ? { description } : {}),
  };
}

export function encodeOidcState(pending: PendingOidcLogin): string {
  return compact({ ...pending });
}

export function decodeOidcState(state: string, text: string): PendingOidcLogin {
  const json = object(text);
  const realm = asRealmId(optionalText(json, 'realm') ?? '');
  if (realm === undefined) throw new CodecError("'realm' is not a realm id");
  const field = (name: string): string => {
    const value = optionalText(json, name);
    if (value === undefined) throw new CodecError(`'${name}' is required`);
    return value;
  };
  return {
    state,
    realm,
    redirectUrl: field('redirectUrl'),
    nonce: field('nonce'),
    codeVerifier: field('codeVerifier'),
    created: integer(json, 'created'),
  };
}

/** `sessions/<userid>`: tickets the user was issued before `from` (Unix seconds) are refused. */
export function encodeSessions(from: number): string {
  return compact({ from });
}

export function decodeSessions(text: string): number {
  return integer(object(text), 'from');
}

/** `datacenter.cfg`: `text`, the file as imported. */
export function encodeDatacenter(config: DatacenterConfig): string {
  return compact({ text: config.text });
}

/**
 * The settings are read from the text again; a bad line (possible only in a `pve-dir:`
 * store, whose reader reports it with its line) leaves that setting out.
 */
export function decodeDatacenter(text: string): DatacenterConfig {
  const value = optionalText(object(text), 'text');
  if (value === undefined) throw new CodecError("'text' is missing");
  return parseDatacenterCfg(value).value;
}

/** A setting (`settings/<name>`): `value`. */
export function encodeSetting(value: string): string {
  return compact({ value });
}

/** The `password-hash` setting. */
export function decodePasswordHashSetting(text: string): PasswordHashKind {
  const value = optionalText(object(text), 'value');
  if (value === undefined || !isPasswordHashKind(value))
    throw new CodecError(`'value' must be one of ${PASSWORD_HASH_KINDS.join(', ')}`);
  return value;
}
