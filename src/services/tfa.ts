/**
 * Answering a second-factor challenge: the check, and everything it changes, in one
 * transaction conditioned on the user's TFA entry, so no two nodes accept the same code or
 * key and every failure is counted once for the whole cluster.
 *
 * Lockouts follow Proxmox's rules and limits: 8 failed TOTP answers lock TOTP until a
 * recovery key is used or an administrator unlocks; 100 failed answers of any kind lock
 * every factor for an hour. Unlike Proxmox, the counters live in the store (a failure on one
 * node counts on all) and restart when a lock is set, so an expired lock is a fresh start.
 */
import type { UserId } from '../model/ids.js';
import { CHALLENGE_SECONDS, type TfaUser } from '../model/tfa.js';
import { decodeTfaUser, encodeTfaUser, KEYS } from '../store/codec.js';
import { findRecoveryKey } from '../tfa/recovery.js';
import { userFactors } from '../tfa/realm.js';
import { checkTotp } from '../tfa/totp.js';
import type { YubicoFailureCause } from '../tfa/yubico.js';
import { checkCounter, WebauthnError, withCounter } from '../tfa/webauthn-counter.js';
import { draft } from './audit.js';
import { authorize } from './authorize.js';
import { audited, Changes, commit, refuse, sequenceFor, type ServiceContext } from './context.js';
import type { OfflineTfa } from './tfa-offline.js';

export interface LockoutLimits {
  readonly totpFailures: number;
  readonly tfaFailures: number;
  readonly lockSeconds: number;
}

export const PROXMOX_LOCKOUT: LockoutLimits = {
  totpFailures: 8,
  tfaFailures: 100,
  lockSeconds: 3600,
};

export type AnswerCause =
  | 'tfa_locked'
  | 'totp_locked'
  | 'tfa_wrong_code'
  | 'webauthn_failed'
  | 'webauthn_counter'
  | YubicoFailureCause;

export type AnswerResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly cause: AnswerCause; readonly reason: string };

/**
 * What the user answered. A WebAuthn answer arrives already checked (the signature check is
 * asynchronous): `verdict` says what that check found, and the transaction makes the
 * challenge single-use and the counter monotonic.
 */
export type SecondFactorAnswer =
  | { readonly type: 'totp' | 'recovery'; readonly value: string }
  | {
      readonly type: 'webauthn';
      readonly challenge: string;
      readonly verdict:
        | { readonly ok: true; readonly entryId: string; readonly counter: number }
        | { readonly ok: false; readonly reason: string; readonly cause?: AnswerCause };
    }
  | {
      readonly type: 'yubico';
      readonly verdict:
        | { readonly ok: true }
        | { readonly ok: false; readonly reason: string; readonly cause?: AnswerCause };
    };

const YUBICO_SERVICE_FAILURES: ReadonlySet<AnswerCause> = new Set([
  'yubico_unreachable',
  'yubico_bad_signature',
  'yubico_mismatch',
]);

function write(changes: Changes, userid: UserId, user: TfaUser): void {
  const key = KEYS.tfa(userid);
  changes.put(key, encodeTfaUser(user, sequenceFor(changes.snapshot, key)));
}

/** The user without any lock or failure count. */
function cleared(user: TfaUser): TfaUser {
  return {
    totp: user.totp,
    u2f: user.u2f,
    webauthn: user.webauthn,
    yubico: user.yubico,
    ...(user.recovery ? { recovery: user.recovery } : {}),
    totpLocked: false,
  };
}

/**
 * Checks a second-factor answer and records its effect. With `offline`, TOTP and WebAuthn
 * answers are still accepted while the store is read-only (see services/tfa-offline.ts).
 */
export async function answerSecondFactor(
  ctx: ServiceContext,
  userid: UserId,
  answer: SecondFactorAnswer,
  now: number,
  limits: LockoutLimits = PROXMOX_LOCKOUT,
  offline?: OfflineTfa,
): Promise<AnswerResult> {
  const decide = (changes: Changes): AnswerResult =>
    decideAnswer(changes, userid, answer, now, limits);
  const canGoOffline = offline !== undefined && answer.type !== 'recovery';
  if (canGoOffline && offline.storeReadOnly)
    return answerOffline(ctx, offline, userid, answer, decide);
  try {
    // What this node accepted offline goes in first, so this answer is checked against it.
    if (offline) await offline.flush(ctx);
    if (canGoOffline && offline.storeReadOnly)
      return await answerOffline(ctx, offline, userid, answer, decide);
    return await commit(ctx, 'second factor failed', decide);
  } catch (err) {
    if (offline?.noteReadOnly(err) === true && canGoOffline)
      return answerOffline(ctx, offline, userid, answer, decide);
    throw err;
  }
}

/** Decides on this node's view and remembers the outcome until the store takes it. */
async function answerOffline(
  ctx: ServiceContext,
  offline: OfflineTfa,
  userid: UserId,
  answer: SecondFactorAnswer,
  decide: (changes: Changes) => AnswerResult,
): Promise<AnswerResult> {
  const snapshot = await ctx.read();
  const changes = new Changes(offline.view(snapshot));
  const result = decide(changes);
  const written = changes.plan.operations.find((op) => op.key === KEYS.tfa(userid));
  if (written?.op === 'put')
    offline.record(
      userid,
      snapshot.tfa.users.get(userid),
      decodeTfaUser(userid, written.value).user,
      answer.type === 'webauthn' ? answer.challenge : undefined,
    );
  return result;
}

function decideAnswer(
  changes: Changes,
  userid: UserId,
  answer: SecondFactorAnswer,
  now: number,
  limits: LockoutLimits,
): AnswerResult {
  const user = userFactors(changes.snapshot, userid);
  if (!user) return { ok: false, cause: 'tfa_wrong_code', reason: 'no such challenge' };
  if (user.tfaLockedUntil !== undefined && user.tfaLockedUntil > now)
    return { ok: false, cause: 'tfa_locked', reason: 'TFA limit reached, user locked out' };
  if (answer.type === 'totp' && user.totpLocked)
    return { ok: false, cause: 'totp_locked', reason: 'TOTP limit reached, locked' };

  if (answer.type === 'totp') {
    let replay = false;
    for (const [index, entry] of user.totp.entries()) {
      if (!entry.info.enable) continue;
      const check = checkTotp(entry.totp, answer.value, now, entry.lastCount);
      if (check.ok) {
        const totp = user.totp.map((t, i) => (i === index ? { ...t, lastCount: check.step } : t));
        // A success clears the failure count (and any lock, which can only have expired).
        write(changes, userid, { ...cleared(user), totp });
        return { ok: true };
      }
      replay ||= check.replay;
    }
    return fail(
      changes,
      userid,
      user,
      'totp',
      replay ? 'rejecting reused TOTP value' : 'invalid TOTP code',
      now,
      limits,
    );
  }

  if (answer.type === 'webauthn') {
    // Answered or expired, a challenge is gone for good: it is never retried.
    const pending = changes.snapshot.tfaChallenges.get(answer.challenge);
    if (pending) changes.delete(KEYS.tfaChallenge(answer.challenge));
    if (pending?.kind !== 'login' || pending.userid !== userid)
      return fail(changes, userid, user, 'webauthn', 'no such challenge', now, limits);
    if (pending.created + CHALLENGE_SECONDS < now)
      return fail(changes, userid, user, 'webauthn', 'challenge expired', now, limits);
    const { verdict } = answer;
    if (!verdict.ok)
      return fail(changes, userid, user, 'webauthn', verdict.reason, now, limits, verdict.cause);
    const index = user.webauthn.findIndex((w) => w.info.id === verdict.entryId && w.info.enable);
    const entry = user.webauthn[index];
    if (!entry) return fail(changes, userid, user, 'webauthn', 'credential removed', now, limits);
    try {
      // Against the newest counter: a concurrent login on another node may have raised it.
      checkCounter(verdict.counter, (entry.credential['counter'] as number | undefined) ?? 0);
    } catch (err) {
      if (!(err instanceof WebauthnError)) throw err;
      return fail(changes, userid, user, 'webauthn', err.message, now, limits, 'webauthn_counter');
    }
    const webauthn = user.webauthn.map((w, i) =>
      i === index ? { ...w, credential: withCounter(w.credential, verdict.counter) } : w,
    );
    write(changes, userid, { ...cleared(user), webauthn });
    return { ok: true };
  }

  if (answer.type === 'yubico') {
    const { verdict } = answer;
    if (!verdict.ok) {
      // A validation server that is down or answers wrongly is not the user's failure: an
      // outage must not lock everybody out.
      if (verdict.cause !== undefined && YUBICO_SERVICE_FAILURES.has(verdict.cause))
        return { ok: false, cause: verdict.cause, reason: verdict.reason };
      return fail(changes, userid, user, 'yubico', verdict.reason, now, limits, verdict.cause);
    }
    // Nothing is used up; only a failure count or an expired lock is left to clear.
    if (user.failures !== undefined || user.tfaLockedUntil !== undefined)
      write(changes, userid, { ...cleared(user), totpLocked: user.totpLocked });
    return { ok: true };
  }

  const slot = user.recovery ? findRecoveryKey(user.recovery, answer.value) : undefined;
  if (!user.recovery || slot === undefined)
    return fail(changes, userid, user, 'recovery', 'invalid recovery key', now, limits);
  const entries = user.recovery.entries.map((e, i) => (i === slot ? null : e));
  write(changes, userid, { ...cleared(user), recovery: { ...user.recovery, entries } });
  return { ok: true };
}

function fail(
  changes: Changes,
  userid: UserId,
  user: TfaUser,
  type: SecondFactorAnswer['type'],
  reason: string,
  now: number,
  limits: LockoutLimits,
  failureCause: AnswerCause = 'tfa_wrong_code',
): AnswerResult {
  let tfa = (user.failures?.tfa ?? 0) + 1;
  let totp = (user.failures?.totp ?? 0) + (type === 'totp' ? 1 : 0);
  let tfaLockedUntil =
    user.tfaLockedUntil !== undefined && user.tfaLockedUntil > now
      ? user.tfaLockedUntil
      : undefined;
  let totpLocked = user.totpLocked;
  let cause: AnswerCause = failureCause;
  if (tfa >= limits.tfaFailures) {
    tfaLockedUntil = now + limits.lockSeconds;
    tfa = 0;
    cause = 'tfa_locked';
    reason = `${reason}; TFA limit reached, user locked out`;
  }
  if (type === 'totp' && totp >= limits.totpFailures) {
    totpLocked = true;
    totp = 0;
    if (cause !== 'tfa_locked') cause = 'totp_locked';
    reason = `${reason}; TOTP limit reached, locked`;
  }
  write(changes, userid, {
    totp: user.totp,
    u2f: user.u2f,
    webauthn: user.webauthn,
    yubico: user.yubico,
    ...(user.recovery ? { recovery: user.recovery } : {}),
    totpLocked,
    ...(tfaLockedUntil !== undefined ? { tfaLockedUntil } : {}),
    ...(tfa > 0 || totp > 0 ? { failures: { totp, tfa } } : {}),
  });
  return { ok: false, cause, reason };
}

/** Lifts the user's TOTP and TFA locks and failure counts; returns whether a lock was set. */
export async function unlockTfa(
  ctx: ServiceContext,
  userid: UserId,
  now: number,
): Promise<boolean> {
  const change = draft('tfa', userid, 'unlock');
  return audited(ctx, change, async () => {
    const auth = await authorize(ctx);
    auth.useridGroup(['User.Modify'], userid);
    auth.holdsAtLeast(userid);
    return commit(
      ctx,
      // Proxmox's words for a user without second factors, without a prefix.
      undefined,
      (changes) => {
        const user = changes.snapshot.tfa.users.get(userid);
        if (!user) throw refuse('no such user', 'userid');
        const locked =
          user.totpLocked || (user.tfaLockedUntil !== undefined && user.tfaLockedUntil > now);
        if (locked || user.failures !== undefined || user.tfaLockedUntil !== undefined)
          write(changes, userid, cleared(user));
        return locked;
      },
      change,
    );
  });
}
