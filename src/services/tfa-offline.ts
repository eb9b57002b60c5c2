/**
 * Second factors while the configuration cannot be written (no quorum): TOTP and WebAuthn
 * logins go on, checked against what this node last saw plus what it accepted since, and
 * the used TOTP steps, WebAuthn counters and failure counts are merged into the store once
 * it takes writes again. Recovery keys are not accepted meanwhile: their single use must be
 * recorded for the whole cluster before it counts.
 *
 * What this node accepted offline it remembers (a replayed code is refused here); another
 * node without quorum cannot know it, which is the price of staying available.
 */
import { isTesseraError } from '../errors.js';
import type { UserId } from '../model/ids.js';
import type { PendingChallenge, TfaUser } from '../model/tfa.js';
import { encodeTfaUser, KEYS } from '../store/codec.js';
import type { AccessSnapshot } from '../store/snapshot.js';
import { commit, sequenceFor, type ServiceContext } from './context.js';

/** After a write failed for want of quorum, go straight to offline answers for this long. */
const READ_ONLY_HOLD_MS = 10_000;

export interface Overlay {
  /** The user as the store had it when this node first answered offline. */
  readonly base: TfaUser | undefined;
  current: TfaUser;
}

export class OfflineTfa {
  private readonly users = new Map<UserId, Overlay>();
  private readonly issued = new Map<string, PendingChallenge>();
  private readonly used = new Set<string>();
  private readOnlyUntil = 0;
  private timer: NodeJS.Timeout | undefined;

  /** Whether a recent write found the store read-only. */
  get storeReadOnly(): boolean {
    return Date.now() < this.readOnlyUntil;
  }

  noteReadOnly(err: unknown): boolean {
    if (!isTesseraError(err, 'store_read_only')) return false;
    this.readOnlyUntil = Date.now() + READ_ONLY_HOLD_MS;
    return true;
  }

  get pending(): number {
    return this.users.size + this.used.size;
  }

  /** The snapshot with what this node accepted offline laid over it. */
  view(snapshot: AccessSnapshot): AccessSnapshot {
    if (this.users.size === 0 && this.issued.size === 0 && this.used.size === 0) return snapshot;
    const users = new Map(snapshot.tfa.users);
    for (const [userid, overlay] of this.users)
      users.set(userid, mergeOfflineState(snapshot.tfa.users.get(userid), overlay));
    const challenges = new Map([...snapshot.tfaChallenges, ...this.issued]);
    for (const challenge of this.used) challenges.delete(challenge);
    return { ...snapshot, tfa: { users }, tfaChallenges: challenges };
  }

  /** A challenge handed out while the store could not record it: only this node knows it. */
  issue(pending: PendingChallenge): void {
    this.issued.set(pending.challenge, pending);
  }

  /** Records an answer accepted or refused offline: `next` is the user as it would be written. */
  record(userid: UserId, store: TfaUser | undefined, next: TfaUser, challenge?: string): void {
    const overlay = this.users.get(userid);
    if (overlay) overlay.current = next;
    else this.users.set(userid, { base: store, current: next });
    if (challenge !== undefined) {
      this.used.add(challenge);
      this.issued.delete(challenge);
    }
  }

  /** Writes what was accepted offline into the store; keeps it if the store still refuses. */
  async flush(ctx: ServiceContext): Promise<void> {
    if (this.pending === 0) return;
    const users = [...this.users];
    const used = [...this.used];
    try {
      await commit(ctx, 'merging offline second-factor state failed', (changes) => {
        for (const [userid, overlay] of users) {
          const key = KEYS.tfa(userid);
          const stored = changes.snapshot.tfa.users.get(userid);
          // A user deleted meanwhile stays deleted.
          if (!stored) continue;
          changes.put(
            key,
            encodeTfaUser(mergeOfflineState(stored, overlay), sequenceFor(changes.snapshot, key)),
          );
        }
        for (const challenge of used)
          if (changes.snapshot.tfaChallenges.has(challenge))
            changes.delete(KEYS.tfaChallenge(challenge));
      });
    } catch (err) {
      if (this.noteReadOnly(err)) return;
      throw err;
    }
    for (const [userid, overlay] of users)
      if (this.users.get(userid) === overlay) this.users.delete(userid);
    for (const challenge of used) this.used.delete(challenge);
    this.readOnlyUntil = 0;
  }

  /** Tries to merge every few seconds while something is pending. */
  start(ctx: ServiceContext, everyMs = 5_000, onError?: (err: unknown) => void): void {
    this.timer = setInterval(() => {
      if (this.pending > 0) this.flush(ctx).catch((err: unknown) => onError?.(err));
    }, everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

function max(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.max(a, b);
}

/**
 * The store's user with this node's offline changes: newer TOTP steps and WebAuthn counters,
 * the failure count (the higher of the two, or the reset a success made here), locks set here
 * kept. Merging the same changes again gives the same user.
 */
export function mergeOfflineState(stored: TfaUser | undefined, overlay: Overlay): TfaUser {
  const { base, current } = overlay;
  if (!stored) return current;
  const totp = stored.totp.map((entry) => {
    const local = current.totp.find((t) => t.info.id === entry.info.id);
    const lastCount = max(entry.lastCount, local?.lastCount);
    return lastCount === undefined ? entry : { ...entry, lastCount };
  });
  const webauthn = stored.webauthn.map((entry) => {
    const local = current.webauthn.find((w) => w.info.id === entry.info.id);
    const counter = max(
      entry.credential['counter'] as number | undefined,
      local?.credential['counter'] as number | undefined,
    );
    return counter === undefined
      ? entry
      : { ...entry, credential: { ...entry.credential, counter } };
  });
  // Merging twice must not count twice: a write that timed out may still have landed, and
  // the next flush then merges into a store that already holds this node's failures.
  const count = (kind: 'totp' | 'tfa'): number => {
    const here = current.failures?.[kind] ?? 0;
    const before = base?.failures?.[kind] ?? 0;
    const there = stored.failures?.[kind] ?? 0;
    // A success here reset the count: keep only what others counted since.
    if (here < before) return here + Math.max(0, there - before);
    return Math.max(there, here);
  };
  const failures = { totp: count('totp'), tfa: count('tfa') };
  const tfaLockedUntil =
    current.tfaLockedUntil !== base?.tfaLockedUntil
      ? max(stored.tfaLockedUntil, current.tfaLockedUntil)
      : stored.tfaLockedUntil;
  return {
    // Not `...stored`: its failure count and lock would outlive the merged ones.
    u2f: stored.u2f,
    yubico: stored.yubico,
    ...(stored.recovery ? { recovery: stored.recovery } : {}),
    totp,
    webauthn,
    totpLocked: stored.totpLocked || (current.totpLocked && base?.totpLocked !== true),
    ...(tfaLockedUntil !== undefined ? { tfaLockedUntil } : {}),
    ...(failures.totp > 0 || failures.tfa > 0 ? { failures } : {}),
  };
}
