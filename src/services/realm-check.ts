/**
 * "Test connection" of the realm form (`POST /access/tessera/domains/check`): the directory
 * connection and bind of `check-connection`, or an OpenID provider's discovery, run with
 * settings that are not stored, and never storing them. The answer says whether it worked and
 * why not; a failure of the connection is an answer, not an error.
 */
import { invalid, isTesseraError, rejected } from '../errors.js';
import type { RealmId } from '../model/ids.js';
import {
  REALM_TYPE_OPTIONS,
  type OptionValue,
  type RealmConfig,
  type RealmType,
} from '../model/realm.js';
import { authorize, type Authorization } from './authorize.js';
import type { ServiceContext } from './context.js';
import {
  checkOptions,
  HARMLESS_OPTIONS,
  mayAllocateRealms,
  mayDecideIdentities,
  mergeRealm,
  type RawOptions,
} from './realms.js';

/**
 * The longest a test may take. The directory client gives up on a server after 10 s (Net::LDAP's
 * timeout) and tries at most two; discovery has its own limits. This bounds the whole.
 */
export const REALM_CHECK_TIMEOUT_MS = 30_000;

const CHECKABLE: readonly RealmType[] = ['ldap', 'ad', 'openid'];

export interface RealmCheckInput {
  /** A stored realm: its settings are the base the others change, its bind password the default. */
  readonly realm?: RealmId;
  /** The realm's type; required when `realm` names no stored realm. */
  readonly type?: RealmType;
  readonly options: RawOptions;
  /** Stored options to leave out; `password` leaves out the stored bind password. */
  readonly delete: readonly string[];
  /** The bind password to use instead of the stored one. */
  readonly password?: string;
}

export interface RealmCheckResult {
  readonly ok: boolean;
  /** What worked, or what failed and why, in Proxmox's words where it has them. */
  readonly message: string;
}

interface Subject {
  readonly config: RealmConfig;
  readonly secret: string | undefined;
}

/** Tests a realm's connection with the given settings; stores nothing. */
export async function checkRealmSettings(
  ctx: ServiceContext,
  input: RealmCheckInput,
): Promise<RealmCheckResult> {
  const auth = await authorize(ctx);
  mayAllocateRealms(auth);
  const subject = await settingsToCheck(auth, input);
  return runCheck(subject, REALM_CHECK_TIMEOUT_MS);
}

async function settingsToCheck(auth: Authorization, input: RealmCheckInput): Promise<Subject> {
  const stored =
    input.realm === undefined ? undefined : auth.snapshot.domains.realms.get(input.realm);
  if (stored === undefined) return newSettings(input);
  if (input.type !== undefined && input.type !== stored.type)
    throw invalid(
      'type',
      `realm '${stored.realm}' is of type '${stored.type}', not '${input.type}'`,
    );
  mayBeChecked(stored.type);
  let merged;
  try {
    merged = mergeRealm(stored, { options: input.options, delete: input.delete });
  } catch (err) {
    if (isTesseraError(err, 'rejected')) throw invalid(err.field ?? 'delete', err.message);
    throw err;
  }
  if (input.password !== undefined) return { config: merged.config, secret: input.password };
  const secret = merged.dropPassword ? undefined : auth.snapshot.realmSecrets.get(stored.realm);
  // Why: the stored bind password sent to a server of the caller's choosing is the realm's
  // identity handed over; that needs what changing those settings needs (updateRealm).
  if (secret !== undefined && changedOptions(stored, merged.config).length > 0)
    await mayDecideIdentities(auth, stored.realm, stored.type);
  return { config: merged.config, secret };
}

function newSettings(input: RealmCheckInput): Subject {
  if (input.type === undefined)
    throw invalid('type', 'the type is required for a realm that is not stored');
  mayBeChecked(input.type);
  const options = checkOptions(input.type, input.options);
  for (const name of REALM_TYPE_OPTIONS[input.type].required)
    if (!options.has(name)) throw invalid(name, `missing value for required option '${name}'`);
  return {
    config: { realm: input.realm ?? ('new' as RealmId), type: input.type, options },
    secret: input.password,
  };
}

function mayBeChecked(type: RealmType): void {
  if (!CHECKABLE.includes(type))
    throw invalid('type', `realms of type '${type}' have no server to connect to`);
}

/** The options whose values differ, except those that change nothing about logins. */
function changedOptions(before: RealmConfig, after: RealmConfig): string[] {
  const names = new Set([...before.options.keys(), ...after.options.keys()]);
  const differs = (a: OptionValue | undefined, b: OptionValue | undefined): boolean => a !== b;
  return [...names].filter(
    (name) =>
      !HARMLESS_OPTIONS.includes(name) &&
      differs(before.options.get(name), after.options.get(name)),
  );
}

async function runCheck(subject: Subject, timeoutMs: number): Promise<RealmCheckResult> {
  // The realm modules load only when a connection is tried, as for check-connection.
  const { realmFor } = await import('../realms/registry.js');
  const realm = realmFor(subject.config.type);
  const attempt = async (): Promise<string> => {
    if (subject.config.type === 'openid') {
      const found = await realm.check(subject.config, undefined);
      return found.kind === 'openid'
        ? `Discovery succeeded: ${found.detail}.`
        : 'Discovery succeeded.';
    }
    await realm.checkConnection?.(subject.config, subject.secret);
    const bindDn = subject.config.options.get('bind_dn');
    return typeof bindDn === 'string'
      ? `Connected and bound as ${bindDn}.`
      : 'Connected and bound anonymously.';
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(rejected(`no answer within ${String(timeoutMs / 1000)} s`));
    }, timeoutMs);
  });
  try {
    return { ok: true, message: await Promise.race([attempt(), timeout]) };
  } catch (err) {
    return { ok: false, message: failureText(err) };
  } finally {
    clearTimeout(timer);
  }
}

function failureText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.trim() === '' ? 'the connection failed' : text.trim();
}
