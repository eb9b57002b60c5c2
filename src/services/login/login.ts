/**
 * A login, as one pipeline of named steps. This is where every login is decided; the HTTP
 * route, the OpenID callback and ticket renewal only adapt it:
 *
 *   throttle -> password length -> resolve user -> renewal? -> realm + account + password (first factor)
 *   -> [privilege check] -> rehash -> second factor (challenge, or the one-step answer)
 *   -> ticket
 *
 * and, for the second request of a two-step login:
 *
 *   throttle -> resolve user -> partial ticket + answer (second factor) -> ticket
 *
 * A failure is an AuthFailure with its cause; it is reported to the event sink, counted by
 * the throttle, and rethrown for the adapter to answer (after its delay) with the generic
 * message.
 */
import { csrfToken } from '../../auth/csrf.js';
import { hashPassword } from '../../auth/password.js';
import { serverKeys, type ServerKeys } from '../../auth/server-keys.js';
import type { StartLimit } from '../../auth/start-limit.js';
import type { LoginThrottle } from '../../auth/throttle.js';
import { ticketTime } from '../../auth/sessions.js';
import { signTicket } from '../../auth/ticket.js';
import { AuthFailure } from '../../errors.js';
import { normalizeAclPath, requestedAclPath } from '../../model/acl-path.js';
import { asUserId, type UserId } from '../../model/ids.js';
import { isPrivilege } from '../../model/privileges.js';
import type { RealmConfig } from '../../model/realm.js';
import { splitList } from '../../model/text.js';
import { capabilities, type Capabilities } from '../../permissions/effective.js';
import type { PermissionEngine } from '../../permissions/engine.js';
import type { Realm, RealmEnvironment } from '../../realms/realm.js';
import type { AccessSnapshot } from '../../store/snapshot.js';
import { actingAs, type ServiceContext } from '../context.js';
import { renewPasswordHash } from '../users.js';
import type { AuthEventSink, SecondFactorKind } from './events.js';
import {
  boundedPassword,
  checkPassword,
  registeredRealm,
  renewal,
  resolveUser,
  type FirstFactor,
} from './first-factor.js';
import {
  answerChallenge,
  checkSecondFactor,
  loginChallenge,
  type SecondFactorContext,
} from './second-factor.js';

export interface LoginDeps {
  /** Writes: a renewed hash, second-factor state, WebAuthn challenges. */
  readonly services: ServiceContext;
  /** The configuration and compiled permissions the login decides on. */
  readonly view: () => { readonly snapshot: AccessSnapshot; readonly engine: PermissionEngine };
  readonly environment: RealmEnvironment;
  readonly throttle: LoginThrottle | undefined;
  readonly secondFactor: Omit<SecondFactorContext, 'services' | 'request'>;
  readonly events: AuthEventSink;
  /** Unix seconds. */
  readonly now: () => number;
  /** Realm modules by type; tests may replace them. */
  readonly realms?: (config: RealmConfig) => Realm;
  /** OpenID logins started per source (each is a write to the store); unset: unlimited. */
  readonly openidStarts?: StartLimit;
}

export interface LoginRequest {
  readonly username: string;
  readonly realm?: string | undefined;
  readonly password: string;
  /** A second-factor answer sent with the password (one step). */
  readonly otp?: string | undefined;
  /** The partial ticket of step one, with the answer in `password` (step two). */
  readonly tfaChallenge?: string | undefined;
  /** Proxmox's privilege check: no ticket, only whether the user holds `privs` on `path`. */
  readonly privilegeCheck?: { readonly path: string; readonly privs: string } | undefined;
  readonly address: string;
  /** The scheme and host the browser used: the default WebAuthn origin. */
  readonly origin: { readonly protocol: string; readonly host: string | undefined };
}

export interface IssuedTicket {
  readonly userid: UserId;
  readonly ticket: string;
  readonly csrf: string;
}

export type LoginResult =
  | ({ readonly kind: 'ticket'; readonly cap: Capabilities } & IssuedTicket)
  | ({ readonly kind: 'challenge' } & IssuedTicket)
  | { readonly kind: 'allowed'; readonly userid: UserId; readonly cap: Capabilities };

export async function login(deps: LoginDeps, request: LoginRequest): Promise<LoginResult> {
  const claimed =
    request.realm === undefined ? request.username : `${request.username}@${request.realm}`;
  const now = deps.now();
  const attempt: Attempt = {};
  try {
    throttle(deps, request.address, claimed, now);
    return request.tfaChallenge === undefined
      ? await passwordStep(withAttempt(deps, attempt), request, claimed, now, attempt)
      : await answerStep(
          withAttempt(deps, attempt),
          request,
          request.tfaChallenge,
          claimed,
          now,
          attempt,
        );
  } catch (err) {
    if (!(err instanceof AuthFailure)) throw err;
    // Refused before the password was looked at: not a guess, not counted.
    if (err.code !== 'throttled' && err.code !== 'login_overloaded')
      deps.throttle?.failed(request.address, claimed, now);
    deps.events.failed({
      kind: 'login',
      rhost: request.address,
      user: claimed,
      cause: err.code,
      reason: err.message,
      ...(attempt.secondFactor !== undefined ? { secondFactor: attempt.secondFactor } : {}),
    });
    throw err;
  }
}

/** What a login learned on the way that its events report: the second factor answered. */
interface Attempt {
  secondFactor?: SecondFactorKind | undefined;
}

const SECOND_FACTOR_KINDS: readonly string[] = ['totp', 'webauthn', 'recovery', 'yubico'];

/** The kind an answer (`<type>:<value>`) names, if it is one Tessera knows. */
function answeredKind(answer: string): SecondFactorKind | undefined {
  const type = answer.slice(0, Math.max(0, answer.indexOf(':')));
  return SECOND_FACTOR_KINDS.includes(type) ? (type as SecondFactorKind) : undefined;
}

/** The success event carries the second factor the attempt answered. */
function withAttempt(deps: LoginDeps, attempt: Attempt): LoginDeps {
  return {
    ...deps,
    events: {
      failed: (event) => {
        deps.events.failed(event);
      },
      succeeded: (event) => {
        deps.events.succeeded(
          attempt.secondFactor === undefined
            ? event
            : { ...event, secondFactor: attempt.secondFactor },
        );
      },
    },
  };
}

/** Step: too many failures from this address, or for this user, refuse before any work. */
function throttle(deps: LoginDeps, address: string, user: string, now: number): void {
  if (deps.throttle?.blocked(address, user, now) === true)
    throw new AuthFailure(
      `throttled: too many failed logins from ${address} for ${user}`,
      'throttled',
    );
}

async function passwordStep(
  deps: LoginDeps,
  request: LoginRequest,
  claimed: string,
  now: number,
  attempt: Attempt,
): Promise<LoginResult> {
  boundedPassword(request.password);
  const { snapshot, engine } = deps.view();
  const keys = serverKeys(snapshot);
  const userid = resolveUser(snapshot, request);
  const first =
    renewal(snapshot, keys, userid, request.password, now) ??
    (await checkPassword(
      snapshot,
      deps.realms ?? registeredRealm,
      deps.environment,
      userid,
      request,
      now,
    ));
  deps.throttle?.succeeded(request.address, claimed);
  if (request.privilegeCheck !== undefined)
    return privilegeCheck(engine, userid, request.privilegeCheck);
  const signing = ready(keys);
  await renewHash(deps, first, request.password, request.address);
  const factors = secondFactorContext(deps, request);
  const otp = request.otp;
  const challenge = first.renewal
    ? undefined
    : await loginChallenge(snapshot, factors, userid, now, otp === undefined);
  if (otp !== undefined) {
    // One step: the answer comes with the password (a bare code is a TOTP code).
    // Unlike Proxmox, a correct answer ends the login here instead of asking again.
    if (!challenge) throw new AuthFailure('no such challenge', 'tfa_challenge_invalid');
    const answer = /^\d+$/.test(otp) ? `totp:${otp}` : otp;
    attempt.secondFactor = answeredKind(answer);
    await answerChallenge(snapshot, factors, userid, challenge, answer, now);
  } else if (challenge) {
    // A partial ticket, bound to this user, that only step two accepts.
    const issued = ticketTime(snapshot, userid, now);
    return {
      kind: 'challenge',
      userid,
      ticket: signTicket(signing.ring, 'PVE', `!tfa!${JSON.stringify(challenge)}`, issued, userid),
      csrf: csrfToken(signing.csrfSecret, userid, issued),
    };
  }
  return issueTicket(
    deps,
    signing,
    engine,
    userid,
    request.address,
    first.renewal
      ? 'ticket renewal'
      : otp !== undefined
        ? 'password and second factor (one step)'
        : 'password',
    'login',
  );
}

async function answerStep(
  deps: LoginDeps,
  request: LoginRequest,
  partialTicket: string,
  claimed: string,
  now: number,
  attempt: Attempt,
): Promise<LoginResult> {
  if (request.otp !== undefined)
    throw new AuthFailure(
      "TFA response should be in 'password', not 'otp' when 'tfa-challenge' is set",
      'tfa_challenge_invalid',
    );
  const { snapshot, engine } = deps.view();
  const keys = serverKeys(snapshot);
  const userid = asUserId(claimed);
  if (userid === undefined)
    throw new AuthFailure(`invalid user name '${claimed}'`, 'invalid_username');
  attempt.secondFactor = answeredKind(request.password);
  await checkSecondFactor(
    snapshot,
    keys,
    secondFactorContext(deps, request),
    userid,
    partialTicket,
    request.password,
    now,
  );
  deps.throttle?.succeeded(request.address, claimed);
  return issueTicket(
    deps,
    ready(keys),
    engine,
    userid,
    request.address,
    'password and second factor',
    'login',
  );
}

/** Step (instead of a ticket): does the user hold every one of `privs` on `path`? */
function privilegeCheck(
  engine: PermissionEngine,
  userid: UserId,
  check: { readonly path: string; readonly privs: string },
): LoginResult {
  const path = normalizeAclPath(check.path) ?? requestedAclPath(check.path);
  const privileges = splitList(check.privs);
  if (!privileges.every((p) => isPrivilege(p) && engine.can(userid, path, p)))
    throw new AuthFailure(`no permission (${check.path}, ${check.privs})`, 'no_permission');
  return { kind: 'allowed', userid, cap: capabilities(engine, userid) };
}

function ready(keys: ServerKeys | undefined): ServerKeys {
  if (!keys) throw new AuthFailure('the server keys are not ready', 'server_not_ready');
  return keys;
}

/**
 * Step: a hash of another kind than the `password-hash` setting asks for becomes one of that
 * kind (a crypt hash from Proxmox an argon2id one, or an argon2id one a SHA-512-crypt one
 * that Proxmox can verify); a read-only store only postpones that, it does not fail the login.
 */
async function renewHash(
  deps: LoginDeps,
  first: FirstFactor,
  password: string,
  address: string,
): Promise<void> {
  if (!first.rehash) return;
  const self = actingAs(deps.services, { authid: first.userid, userid: first.userid, address });
  const kind = deps.view().snapshot.passwordHash;
  await renewPasswordHash(self, first.userid, await hashPassword(password, address, kind)).catch(
    () => undefined,
  );
}

function secondFactorContext(deps: LoginDeps, request: LoginRequest): SecondFactorContext {
  return { ...deps.secondFactor, services: deps.services, request: request.origin };
}

/** Step: the signed ticket and CSRF token, and the success in the audit log. */
export function issueTicket(
  deps: Pick<LoginDeps, 'events' | 'now' | 'view'>,
  keys: ServerKeys,
  engine: PermissionEngine,
  userid: UserId,
  address: string,
  how: string,
  kind: 'login' | 'openid',
): LoginResult & { kind: 'ticket' } {
  // Not before a revocation of this very second (a login right after a password change).
  const now = ticketTime(deps.view().snapshot, userid, deps.now());
  deps.events.succeeded({ kind, rhost: address, user: userid, reason: how });
  return {
    kind: 'ticket',
    userid,
    ticket: signTicket(keys.ring, 'PVE', userid, now),
    csrf: csrfToken(keys.csrfSecret, userid, now),
    cap: capabilities(engine, userid),
  };
}
