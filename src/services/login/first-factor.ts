/**
 * The first factor: who is logging in, in which realm, may the account log in, and does the
 * password prove it (or a still-valid ticket, for a renewal). Every failure is an AuthFailure
 * whose message is the true cause, for the audit log.
 */
import { checkUserEnabled } from '../../auth/api-token.js';
import { LOGIN_PASSWORD_MAX_BYTES, passwordTooLong } from '../../auth/password-limits.js';
import type { ServerKeys } from '../../auth/server-keys.js';
import { sessionRevoked } from '../../auth/sessions.js';
import { verifyTicket } from '../../auth/ticket.js';
import { AuthFailure } from '../../errors.js';
import { asUserId, ROOT_USERID, splitUserId, type UserId } from '../../model/ids.js';
import { realmFlag, type RealmConfig } from '../../model/realm.js';
import { realmFor } from '../../realms/registry.js';
import type { Realm, RealmEnvironment } from '../../realms/realm.js';
import type { AccessSnapshot } from '../../store/snapshot.js';

export interface FirstFactor {
  readonly userid: UserId;
  /** The stored hash is outdated: store a fresh one made from the password. */
  readonly rehash: boolean;
  /** The password was a ticket (a renewal), not a password. */
  readonly renewal: boolean;
}

export interface PasswordLogin {
  /** `name@realm`, or the name when `realm` is given apart. */
  readonly username: string;
  readonly realm?: string | undefined;
  readonly password: string;
  readonly address?: string | undefined;
}

/**
 * Step: a password beyond what any realm takes is refused before anything is done with it
 * (no ticket parsing, no hashing, no directory), the same for every user name.
 */
export function boundedPassword(password: string): void {
  if (passwordTooLong(password))
    throw new AuthFailure(
      `password of ${String(password.length)} characters is longer than ${String(LOGIN_PASSWORD_MAX_BYTES)} bytes`,
      'password_too_long',
    );
}

/** Step: the user id the name stands for. */
export function resolveUser(snapshot: AccessSnapshot, login: PasswordLogin): UserId {
  const name = login.realm === undefined ? login.username : `${login.username}@${login.realm}`;
  const given = asUserId(name);
  if (given === undefined) throw new AuthFailure(`invalid user name '${name}'`, 'invalid_username');
  return caseInsensitiveMatch(snapshot, given);
}

/**
 * In a directory realm with `case-sensitive 0`, `Alice@corp` logs in as the configured
 * `alice@corp`, as in Proxmox.
 */
function caseInsensitiveMatch(snapshot: AccessSnapshot, userid: UserId): UserId {
  if (snapshot.users.users.has(userid)) return userid;
  const { realm } = splitUserId(userid);
  const config = snapshot.domains.realms.get(realm);
  if (
    (config?.type !== 'ldap' && config?.type !== 'ad') ||
    realmFlag(config, 'case-sensitive') !== false
  )
    return userid;
  const lower = userid.toLowerCase();
  for (const candidate of snapshot.users.users.keys())
    if (candidate.toLowerCase() === lower) return candidate;
  return userid;
}

/**
 * Step: a valid ticket of this user, or of root@pam, given as the password renews the
 * session. `undefined` when the password is not such a ticket.
 */
export function renewal(
  snapshot: AccessSnapshot,
  keys: ServerKeys | undefined,
  userid: UserId,
  password: string,
  now: number,
): FirstFactor | undefined {
  const ticket = keys ? verifyTicket(keys.ring, password, { now }) : undefined;
  if (!ticket || (ticket.data !== userid && ticket.data !== ROOT_USERID)) return undefined;
  if (sessionRevoked(snapshot, ticket.data, now - ticket.age))
    throw new AuthFailure(
      "renewal with a ticket issued before the user's sessions were revoked",
      'ticket_revoked',
    );
  checkUserEnabled(snapshot, userid, now);
  return { userid, rehash: false, renewal: true };
}

/** Step: the realm named by the user id must exist. */
export function resolveRealm(snapshot: AccessSnapshot, userid: UserId): RealmConfig {
  const { realm } = splitUserId(userid);
  const config = snapshot.domains.realms.get(realm);
  // A realm that does not exist says more than "no such user" (the form chose the realm).
  if (!config) throw new AuthFailure(`auth domain '${realm}' does not exist`, 'unknown_realm');
  return config;
}

/** Step: the account must exist, be enabled and not have expired. */
export function accountFailure(
  snapshot: AccessSnapshot,
  userid: UserId,
  now: number,
): AuthFailure | undefined {
  try {
    checkUserEnabled(snapshot, userid, now);
    return undefined;
  } catch (err) {
    if (!(err instanceof AuthFailure)) throw err;
    return err.code === 'unknown_user' ? (otherRealm(snapshot, userid) ?? err) : err;
  }
}

/**
 * An unknown user whose name exists in another realm, or `root` outside `pam`: most likely
 * the wrong realm was chosen (the login form remembers the last one).
 */
function otherRealm(snapshot: AccessSnapshot, userid: UserId): AuthFailure | undefined {
  const { name, realm } = splitUserId(userid);
  const elsewhere: string[] = [...snapshot.users.users.keys()]
    .filter((other) => other !== userid && splitUserId(other).name === name)
    .map((other): string => splitUserId(other).realm);
  if (name === 'root' && realm !== 'pam' && !elsewhere.includes('pam')) elsewhere.unshift('pam');
  if (elsewhere.length === 0) return undefined;
  return new AuthFailure(
    `no user '${userid}', but '${name}' exists in realm ${elsewhere.map((r) => `'${r}'`).join(', ')}: wrong realm chosen?`,
    'realm_mismatch_suspected',
  );
}

/**
 * Steps realm, account and password together: the realm checks the password only for an
 * account that may log in; for any other, it costs the same time and fails.
 */
export async function checkPassword(
  snapshot: AccessSnapshot,
  realms: (config: RealmConfig) => Realm,
  environment: RealmEnvironment,
  userid: UserId,
  login: PasswordLogin,
  now: number,
): Promise<FirstFactor> {
  const refused = accountFailure(snapshot, userid, now);
  if (refused) {
    const config = snapshot.domains.realms.get(splitUserId(userid).realm);
    if (config) await realms(config).decoy?.(login.password, login.address, snapshot);
  }
  const config = resolveRealm(snapshot, userid);
  if (refused) throw refused;
  const realm = realms(config);
  const verdict = await realm.authenticate(
    {
      userid,
      user: splitUserId(userid).name,
      password: login.password,
      config,
      snapshot,
      remoteHost: login.address,
    },
    environment,
  );
  return { userid, rehash: verdict.rehash, renewal: false };
}

/** The realm module of a realm's type, from the registry. */
export function registeredRealm(config: RealmConfig): Realm {
  return realmFor(config.type);
}

/**
 * A password given again to confirm a change (a password or second-factor change): the
 * first factor alone, never a ticket.
 */
export async function confirmPassword(
  snapshot: AccessSnapshot,
  userid: UserId,
  password: string,
  now: number,
  address: string,
  environment: RealmEnvironment = {},
): Promise<void> {
  boundedPassword(password);
  const login = { username: userid, password, address };
  await checkPassword(
    snapshot,
    registeredRealm,
    environment,
    resolveUser(snapshot, login),
    login,
    now,
  );
}
