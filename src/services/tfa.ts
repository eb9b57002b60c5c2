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
import type { TfaUser } from '../model/tfa.js';
import { encodeTfaUser, KEYS } from '../store/codec.js';
import { findRecoveryKey } from '../tfa/recovery.js';
import { checkTotp } from '../tfa/totp.js';
import { commit, refuse, sequenceFor, type Changes, type ServiceContext } from './context.js';

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

export type AnswerResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly cause: 'tfa_locked' | 'totp_locked' | 'tfa_wrong_code';
      readonly reason: string;
    };

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

export async function answerSecondFactor(
  ctx: ServiceContext,
  userid: UserId,
  answer: { readonly type: 'totp' | 'recovery'; readonly value: string },
  now: number,
  limits: LockoutLimits = PROXMOX_LOCKOUT,
): Promise<AnswerResult> {
  return commit(ctx, 'second factor failed', (changes): AnswerResult => {
    const user = changes.snapshot.tfa.users.get(userid);
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

    const slot = user.recovery ? findRecoveryKey(user.recovery, answer.value) : undefined;
    if (!user.recovery || slot === undefined)
      return fail(changes, userid, user, 'recovery', 'invalid recovery key', now, limits);
    const entries = user.recovery.entries.map((e, i) => (i === slot ? null : e));
    write(changes, userid, { ...cleared(user), recovery: { ...user.recovery, entries } });
    return { ok: true };
  });
}

function fail(
  changes: Changes,
  userid: UserId,
  user: TfaUser,
  type: 'totp' | 'recovery',
  reason: string,
  now: number,
  limits: LockoutLimits,
): AnswerResult {
  let tfa = (user.failures?.tfa ?? 0) + 1;
  let totp = (user.failures?.totp ?? 0) + (type === 'totp' ? 1 : 0);
  let tfaLockedUntil =
    user.tfaLockedUntil !== undefined && user.tfaLockedUntil > now
      ? user.tfaLockedUntil
      : undefined;
  let totpLocked = user.totpLocked;
  let cause: 'tfa_locked' | 'totp_locked' | 'tfa_wrong_code' = 'tfa_wrong_code';
  if (tfa >= limits.tfaFailures) {
    tfaLockedUntil = now + limits.lockSeconds;
    tfa = 0;
    cause = 'tfa_locked';
    reason = `${reason}; TFA limit reached, user locked out`;
  }
  if (type === 'totp' && totp >= limits.totpFailures) {
    totpLocked = true;
    totp = 0;
    if (cause === 'tfa_wrong_code') cause = 'totp_locked';
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
  return commit(ctx, 'unlock failed', (changes) => {
    const user = changes.snapshot.tfa.users.get(userid);
    if (!user) throw refuse(`no such user ('${userid}')`, 'userid');
    const locked =
      user.totpLocked || (user.tfaLockedUntil !== undefined && user.tfaLockedUntil > now);
    if (locked || user.failures !== undefined || user.tfaLockedUntil !== undefined)
      write(changes, userid, cleared(user));
    return locked;
  });
}
