/**
 * Authentication realms (domains.cfg), with Proxmox's rules: `pam` and `pve` are built in and
 * cannot be added or removed, required options must be given, fixed options cannot change,
 * `default` moves from realm to realm, and a directory realm's bind password is a secret
 * kept apart from its options.
 */
import { createHash } from 'node:crypto';
import { invalid, isTesseraError, rejected } from '../errors.js';
import type { ChangeValue } from '../model/events.js';
import { serializeDomainsCfg } from '../formats/domains-cfg.js';
import { parseBoolean, SchemaError, checkValue } from '../formats/schema.js';
import { splitUserId, type RealmId } from '../model/ids.js';
import {
  optionAllowed,
  REALM_OPTIONS,
  REALM_TYPE_OPTIONS,
  type OptionValue,
  type RealmConfig,
  type RealmOptionName,
  type RealmType,
} from '../model/realm.js';
import { encodeRealm, encodeSecret, KEYS } from '../store/codec.js';
import type { AccessSnapshot } from '../store/snapshot.js';
import { draft, SECRET_SET } from './audit.js';
import { checkConnection, mayCheckConnection } from './realm-connection.js';
import { authorize, type Authorization } from './authorize.js';
import {
  audited,
  commit,
  refuse,
  sequenceFor,
  type Changes,
  type ServiceContext,
} from './context.js';

/** Adding, changing and removing realms takes `Realm.Allocate` on /access/realm. */
export function mayAllocateRealms(auth: Authorization): void {
  auth.perm('/access/realm', ['Realm.Allocate']);
}

/** Proxmox's `digest` of domains.cfg: a change given one applies only to that version. */
export function domainsDigest(snapshot: AccessSnapshot): string {
  return createHash('sha1').update(serializeDomainsCfg(snapshot.domains)).digest('hex');
}

/** Options whose values are secrets: an event says only that they were given. */
const SECRET_OPTIONS: ReadonlySet<string> = new Set(['password', 'client-key']);

/** A realm's `tfa` option names a Yubico API key (`key=`): the event keeps the rest. */
function withoutTfaKey(value: string | number | boolean): string | number | boolean {
  return typeof value === 'string'
    ? value.replace(/(^|,)(\s*key\s*=)[^,]*/g, `$1$2${SECRET_SET}`)
    : value;
}

function eventOptions(raw: RawOptions, password: string | undefined): Record<string, ChangeValue> {
  const out: Record<string, ChangeValue> = {};
  for (const [name, value] of Object.entries(raw))
    out[name] = SECRET_OPTIONS.has(name)
      ? SECRET_SET
      : name === 'tfa'
        ? withoutTfaKey(value)
        : value;
  if (password !== undefined) out['password'] = SECRET_SET;
  return out;
}

export type RawOptions = Readonly<Record<string, string | number | boolean>>;

const BUILTIN_TYPES: readonly RealmType[] = ['pam', 'pve'];

function option(type: RealmType, name: string, value: string | number | boolean): OptionValue {
  if (!optionAllowed(type, name))
    throw invalid(
      name,
      'property is not defined in schema and the schema does not allow additional properties',
    );
  const schema = REALM_OPTIONS[name];
  if (schema.type === 'boolean') {
    const flag = typeof value === 'boolean' ? value : parseBoolean(String(value));
    if (flag === undefined)
      throw invalid(name, `type check ('boolean') failed - got '${String(value)}'`);
    return flag;
  }
  try {
    return checkValue(schema, String(value));
  } catch (err) {
    if (err instanceof SchemaError) throw invalid(name, err.text);
    throw err;
  }
}

export function checkOptions(type: RealmType, raw: RawOptions): Map<RealmOptionName, OptionValue> {
  const out = new Map<RealmOptionName, OptionValue>();
  for (const [name, value] of Object.entries(raw))
    out.set(name as RealmOptionName, option(type, name, value));
  return out;
}

/** A bind password only means something to directory realms. */
function takesPassword(type: RealmType): boolean {
  return type === 'ldap' || type === 'ad';
}

function clearOtherDefaults(changes: Changes, realm: RealmId): void {
  for (const other of changes.snapshot.domains.realms.values()) {
    if (other.realm === realm || other.options.get('default') !== true) continue;
    const options = new Map(other.options);
    options.delete('default');
    const key = KEYS.realm(other.realm);
    changes.put(key, encodeRealm({ ...other, options }, sequenceFor(changes.snapshot, key)));
  }
}

export interface RealmResult {
  /** Things the caller should be told (an ignored password, say). */
  readonly warnings: readonly string[];
}

/** Realm types whose settings decide who a user is: a server or provider of their own. */
const IDENTITY_TYPES: readonly RealmType[] = ['ldap', 'ad', 'openid'];
/** Settings that change nothing about how users log in. */
export const HARMLESS_OPTIONS: readonly string[] = ['comment', 'default'];

/**
 * Whoever changes how a directory or OpenID realm identifies its users could log in as any
 * of them: that needs at least the privileges of each (docs/compatibility.md).
 */
export async function mayDecideIdentities(
  auth: Authorization,
  realm: RealmId,
  type: RealmType | undefined,
): Promise<void> {
  if (type === undefined || !IDENTITY_TYPES.includes(type)) return;
  const users = [...auth.snapshot.users.users.keys()].filter(
    (userid) => splitUserId(userid).realm === realm,
  );
  await auth.holdsAtLeastEvery(
    users,
    `changing how the users of realm '${realm}' log in needs every privilege they hold`,
  );
}

export async function createRealm(
  ctx: ServiceContext,
  realm: RealmId,
  type: RealmType,
  raw: RawOptions,
  password?: string,
  /** Proxmox's `check-connection`: bind before storing (ldap and ad realms only). */
  check?: boolean,
): Promise<RealmResult> {
  const change = draft('realm', realm, 'create', { type, ...eventOptions(raw, password) });
  return audited(ctx, change, async () => {
    const auth = await authorize(ctx);
    mayAllocateRealms(auth);
    if (BUILTIN_TYPES.includes(type))
      throw rejected(`add auth server failed: unable to create builtin type '${type}'`, 'type');
    mayCheckConnection(type, check, 'add auth server failed');
    // Users of a deleted realm of this name are still there: the new realm would log them in.
    await mayDecideIdentities(auth, realm, type);
    const options = checkOptions(type, raw);
    for (const name of REALM_TYPE_OPTIONS[type].required) {
      if (!options.has(name))
        throw rejected(`add auth server failed: missing value for required option '${name}'`, name);
    }
    const warnings: string[] = [];
    if (password !== undefined && !takesPassword(type))
      warnings.push(`ignoring 'password': realms of type '${type}' have no bind password`);
    if (check === true) {
      if (auth.snapshot.domains.realms.has(realm))
        throw rejected(`add auth server failed: domain '${realm}' already exists`, 'realm');
      await checkConnection({ realm, type, options }, password, 'add auth server failed');
    }
    return commit(
      ctx,
      'add auth server failed',
      (changes) => {
        if (changes.snapshot.domains.realms.has(realm) || realm === 'pam' || realm === 'pve')
          throw refuse(`domain '${realm}' already exists`, 'realm');
        const key = KEYS.realm(realm);
        changes.put(key, encodeRealm({ realm, type, options }, sequenceFor(changes.snapshot, key)));
        if (options.get('default') === true) clearOtherDefaults(changes, realm);
        if (password !== undefined && takesPassword(type))
          changes.put(KEYS.realmSecret(realm), encodeSecret(password));
        return { warnings };
      },
      change,
    );
  });
}

export interface UpdateRealm {
  readonly options?: RawOptions;
  /** Options to remove; `password` removes the bind password. */
  readonly delete?: readonly string[];
  readonly password?: string;
  /** The {@link domainsDigest} the change was made against. */
  readonly digest?: string;
  /** Proxmox's `check-connection`: bind with the changed realm before storing it. */
  readonly checkConnection?: boolean;
}

export interface MergedRealm {
  readonly config: RealmConfig;
  readonly dropPassword: boolean;
}

/** The realm with `input` applied, checked against Proxmox's rules for changes. */
export function mergeRealm(current: RealmConfig, input: UpdateRealm): MergedRealm {
  const { type } = current;
  const updates = checkOptions(type, input.options ?? {});
  const { required, fixed } = REALM_TYPE_OPTIONS[type];
  for (const name of fixed) {
    if (updates.has(name) && updates.get(name) !== current.options.get(name))
      throw refuse(`can't change value of fixed parameter '${name}'`, name);
  }
  const options = new Map(current.options);
  let dropPassword = false;
  for (const name of input.delete ?? []) {
    if (name === 'password') {
      dropPassword = true;
      continue;
    }
    if ((required as readonly string[]).includes(name))
      throw refuse(`cannot delete required option '${name}'`, 'delete');
    if (updates.has(name as RealmOptionName))
      throw invalid('delete', `cannot set and delete property '${name}' at the same time`);
    options.delete(name as RealmOptionName);
  }
  for (const [name, value] of updates) options.set(name, value);
  return { config: { realm: current.realm, type, options }, dropPassword };
}

function sameOptions(a: RealmConfig, b: RealmConfig): boolean {
  if (a.type !== b.type || a.options.size !== b.options.size) return false;
  for (const [name, value] of a.options) if (b.options.get(name) !== value) return false;
  return true;
}

export async function updateRealm(
  ctx: ServiceContext,
  realm: RealmId,
  input: UpdateRealm,
): Promise<RealmResult> {
  const change = draft('realm', realm, 'update', {
    ...eventOptions(input.options ?? {}, input.password),
    delete: input.delete,
  });
  return audited(ctx, change, async () => {
    const auth = await authorize(ctx);
    mayAllocateRealms(auth);
    if (input.digest !== undefined && input.digest !== domainsDigest(auth.snapshot))
      throw rejected('detected modified configuration - file changed by other user? Try again.');
    if (input.checkConnection !== undefined) typeOf(auth.snapshot, realm);
    const raw = input.options ?? {};
    const deletions = input.delete ?? [];
    if (Object.keys(raw).length === 0 && deletions.length === 0 && input.password === undefined)
      throw rejected('update auth server failed: no options specified');
    const harmless =
      input.password === undefined &&
      [...Object.keys(raw), ...deletions].every((name) => HARMLESS_OPTIONS.includes(name));
    if (!harmless)
      await mayDecideIdentities(auth, realm, auth.snapshot.domains.realms.get(realm)?.type);
    const checked =
      input.checkConnection === true ? await checkUpdated(auth.snapshot, realm, input) : undefined;
    return commit(
      ctx,
      'update auth server failed',
      (changes) => {
        const current: RealmConfig | undefined = changes.snapshot.domains.realms.get(realm);
        if (!current) throw refuse(`domain '${realm}' does not exist`, 'realm');
        const { type } = current;
        const { config, dropPassword } = mergeRealm(current, input);
        // What was stored meanwhile was not what the connection check saw.
        if (checked !== undefined && !sameOptions(checked, config))
          throw refuse('detected modified configuration - file changed by other user? Try again.');
        const warnings: string[] = [];
        const key = KEYS.realm(realm);
        changes.put(key, encodeRealm(config, sequenceFor(changes.snapshot, key)));
        if (config.options.get('default') === true) clearOtherDefaults(changes, realm);
        if (input.password !== undefined) {
          if (takesPassword(type))
            changes.put(KEYS.realmSecret(realm), encodeSecret(input.password));
          else warnings.push(`ignoring 'password': realms of type '${type}' have no bind password`);
        } else if (dropPassword && changes.snapshot.realmSecrets.has(realm)) {
          changes.delete(KEYS.realmSecret(realm));
        }
        return { warnings };
      },
      change,
    );
  });
}

/** The realm's type, refusing `check-connection` for types that do not take it. */
function typeOf(snapshot: AccessSnapshot, realm: RealmId): RealmType {
  const current = snapshot.domains.realms.get(realm);
  if (!current)
    throw rejected(`update auth server failed: domain '${realm}' does not exist`, 'realm');
  mayCheckConnection(current.type, true, 'update auth server failed');
  return current.type;
}

/** Proxmox's check of an update: the realm as it will be, with the password it will have. */
async function checkUpdated(
  snapshot: AccessSnapshot,
  realm: RealmId,
  input: UpdateRealm,
): Promise<RealmConfig> {
  const current = snapshot.domains.realms.get(realm);
  if (!current) throw rejected(`update auth server failed: domain '${realm}' does not exist`);
  let merged: MergedRealm;
  try {
    merged = mergeRealm(current, input);
  } catch (err) {
    if (isTesseraError(err, 'rejected'))
      throw rejected(`update auth server failed: ${err.message}`, err.field);
    throw err;
  }
  const secret =
    input.password ?? (merged.dropPassword ? undefined : snapshot.realmSecrets.get(realm));
  await checkConnection(merged.config, secret, 'update auth server failed');
  return merged.config;
}

export async function deleteRealm(ctx: ServiceContext, realm: RealmId): Promise<void> {
  const change = draft('realm', realm, 'delete');
  return audited(ctx, change, async () => {
    mayAllocateRealms(await authorize(ctx));
    return commit(
      ctx,
      'delete auth server failed',
      (changes) => {
        const current = changes.snapshot.domains.realms.get(realm);
        if (!current) throw refuse(`authentication domain '${realm}' does not exist`, 'realm');
        if (BUILTIN_TYPES.includes(current.type))
          throw refuse(`can't delete the built-in realm '${realm}'`, 'realm');
        changes.delete(KEYS.realm(realm));
        if (changes.snapshot.realmSecrets.has(realm)) changes.delete(KEYS.realmSecret(realm));
      },
      change,
    );
  });
}
