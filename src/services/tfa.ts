/**
 * What a second-factor login changes: the last accepted TOTP step of the entry (so the code
 * cannot be replayed, on any node) and a used recovery key (gone for good, on every node).
 * Each is one transaction conditioned on the user's TFA entry, so two nodes accepting the
 * same code or key at once cannot both succeed.
 */
import type { UserId } from '../model/ids.js';
import type { TfaUser } from '../model/tfa.js';
import { encodeTfaUser, KEYS } from '../store/codec.js';
import { checkTotp } from '../tfa/totp.js';
import { findRecoveryKey } from '../tfa/recovery.js';
import { commit, refuse, sequenceFor, type Changes, type ServiceContext } from './context.js';

function tfaUser(changes: Changes, userid: UserId): TfaUser {
  const user = changes.snapshot.tfa.users.get(userid);
  if (!user) throw refuse(`no second factors for '${userid}'`);
  return user;
}

function write(changes: Changes, userid: UserId, user: TfaUser): void {
  const key = KEYS.tfa(userid);
  changes.put(key, encodeTfaUser(user, sequenceFor(changes.snapshot, key)));
}

/** Checks a TOTP code against the user's enabled entries and records the step it used. */
export async function useTotp(
  ctx: ServiceContext,
  userid: UserId,
  code: string,
  now: number,
): Promise<void> {
  return commit(ctx, 'TOTP check failed', (changes) => {
    const user = tfaUser(changes, userid);
    let replay = false;
    for (const [index, entry] of user.totp.entries()) {
      if (!entry.info.enable) continue;
      const check = checkTotp(entry.totp, code, now, entry.lastCount);
      if (check.ok) {
        const totp = user.totp.map((t, i) => (i === index ? { ...t, lastCount: check.step } : t));
        write(changes, userid, { ...user, totp });
        return;
      }
      replay ||= check.replay;
    }
    throw refuse(replay ? 'rejecting reused TOTP value' : 'invalid TOTP code');
  });
}

/** Uses up a recovery key; a successful one also lifts TOTP and TFA locks, as in Proxmox. */
export async function useRecoveryKey(
  ctx: ServiceContext,
  userid: UserId,
  key: string,
): Promise<void> {
  return commit(ctx, 'recovery key check failed', (changes) => {
    const user = tfaUser(changes, userid);
    const slot = user.recovery ? findRecoveryKey(user.recovery, key) : undefined;
    if (!user.recovery || slot === undefined) throw refuse('invalid recovery key');
    const entries = user.recovery.entries.map((e, i) => (i === slot ? null : e));
    write(changes, userid, {
      totp: user.totp,
      u2f: user.u2f,
      webauthn: user.webauthn,
      yubico: user.yubico,
      recovery: { ...user.recovery, entries },
      totpLocked: false,
    });
  });
}
