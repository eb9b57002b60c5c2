/**
 * The first factor of `POST /access/ticket`: who is logging in, and does the password (or a
 * still-valid ticket, for renewal) prove it. Every failure is an {@link AuthFailure} whose
 * message is the true cause, for the audit log; the client only ever hears
 * `authentication failure`.
 */
import { asUserId, ROOT_USERID, splitUserId, type UserId } from '../model/ids.js';
import { realmFlag } from '../model/realm.js';
import type { AccessSnapshot } from '../store/snapshot.js';
import { AuthFailure } from '../errors.js';
import { checkUserEnabled } from './api-token.js';
import { ldapSettings } from '../realms/ldap-settings.js';
import { DirectoryError, directoryLogin } from '../realms/ldap.js';
import { pamAuthenticate } from '../realms/pam.js';
import { hashPassword, verifyPassword } from './password.js';
import type { ServerKeys } from './server-keys.js';
import { verifyTicket } from './ticket.js';

export interface LoginAttempt {
  readonly username: string;
  readonly realm?: string | undefined;
  readonly password: string;
  /** The client's address, handed to PAM. */
  readonly remoteHost?: string | undefined;
  /** The PAM service for the pam realm. */
  readonly pamService?: string | undefined;
}

export interface FirstFactor {
  readonly userid: UserId;
  /** The stored hash is outdated: store a fresh one made from `password`. */
  readonly rehash: boolean;
  /** The password was a ticket (a renewal), not a password. */
  readonly renewal: boolean;
}

// Verified against when the user has no hash, so that an unknown user costs the same time.
let decoy: Promise<string> | undefined;

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

export async function checkFirstFactor(
  snapshot: AccessSnapshot,
  keys: ServerKeys | undefined,
  attempt: LoginAttempt,
  now: number,
): Promise<FirstFactor> {
  const name =
    attempt.realm === undefined ? attempt.username : `${attempt.username}@${attempt.realm}`;
  const given = asUserId(name);
  if (given === undefined) throw new AuthFailure(`invalid user name '${name}'`, 'invalid_username');
  const userid = caseInsensitiveMatch(snapshot, given);

  // A valid ticket of this user, or of root@pam, renews the session.
  const ticket = keys ? verifyTicket(keys.ring, attempt.password, { now }) : undefined;
  if (ticket && (ticket.data === userid || ticket.data === ROOT_USERID)) {
    checkUserEnabled(snapshot, userid, now);
    return { userid, rehash: false, renewal: true };
  }

  const { realm, name: user } = splitUserId(userid);
  const config = snapshot.domains.realms.get(realm);
  // Only the pve realm checks a stored hash; there, a user without one costs the same time.
  const stored = config?.type === 'pve' ? snapshot.shadow.get(user) : undefined;
  const check =
    config?.type === 'pve'
      ? verifyPassword(stored ?? (await (decoy ??= hashPassword('decoy'))), attempt.password)
      : undefined;
  let disabled: AuthFailure | undefined;
  try {
    checkUserEnabled(snapshot, userid, now);
  } catch (err) {
    if (!(err instanceof AuthFailure)) throw err;
    disabled = err.code === 'unknown_user' ? (otherRealm(snapshot, userid) ?? err) : err;
  }
  const result = await check;
  // A realm that does not exist says more than "no such user" (the form chose the realm).
  if (!config) throw new AuthFailure(`auth domain '${realm}' does not exist`, 'unknown_realm');
  if (disabled) throw disabled;
  switch (config.type) {
    case 'pve':
      if (stored === undefined || result?.ok !== true)
        throw new AuthFailure('invalid credentials', 'wrong_password');
      break;
    case 'pam':
      await pamAuthenticate(user, attempt.password, {
        service: attempt.pamService,
        remoteHost: attempt.remoteHost,
      });
      break;
    case 'openid':
      throw new AuthFailure(
        'OpenID realm does not allow password verification.',
        'realm_unavailable',
      );
    case 'ldap':
    case 'ad':
      try {
        await directoryLogin(
          ldapSettings(config, snapshot.realmSecrets.get(realm)),
          user,
          attempt.password,
        );
      } catch (err) {
        if (err instanceof DirectoryError) throw new AuthFailure(err.message, err.code);
        throw new AuthFailure(
          `realm '${realm}': ${err instanceof Error ? err.message : String(err)}`,
          'ldap_error',
        );
      }
      break;
  }
  return { userid, rehash: result?.rehash === true, renewal: false };
}
