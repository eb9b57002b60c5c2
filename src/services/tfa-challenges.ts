/**
 * WebAuthn challenges in the store, so that the answer may reach any node: each is written
 * when handed out and deleted when answered (services/tfa.ts, tfa-entries.ts) or, once
 * expired, by the next challenge written. While the store is read-only a login challenge is
 * kept by this node alone, and the answer must come back to it.
 */
import { CHALLENGE_SECONDS, type PendingChallenge } from '../model/tfa.js';
import { encodeTfaChallenge, KEYS } from '../store/codec.js';
import type { AccessSnapshot } from '../store/snapshot.js';
import { commit, sweepExpired, type Changes, type ServiceContext } from './context.js';
import type { OfflineTfa } from './tfa-offline.js';

/** Writes a new challenge and sweeps some expired ones. */
export function putChallenge(changes: Changes, pending: PendingChallenge): void {
  changes.put(KEYS.tfaChallenge(pending.challenge), encodeTfaChallenge(pending));
  sweepExpired(
    changes,
    changes.snapshot.tfaChallenges,
    KEYS.tfaChallenge,
    pending.created - CHALLENGE_SECONDS,
  );
}

export async function storeChallenge(
  ctx: ServiceContext,
  pending: PendingChallenge,
  offline?: OfflineTfa,
): Promise<void> {
  if (offline?.storeReadOnly === true && pending.kind === 'login') {
    offline.issue(pending);
    return;
  }
  try {
    await commit(ctx, 'storing the WebAuthn challenge failed', (changes) => {
      putChallenge(changes, pending);
    });
  } catch (err) {
    if (offline?.noteReadOnly(err) === true && pending.kind === 'login') {
      offline.issue(pending);
      return;
    }
    throw err;
  }
}

/**
 * The pending challenge, waiting briefly when this node has not yet seen it: the browser may
 * answer faster than another node's write reaches this one's view of the store.
 */
export async function findChallenge(
  ctx: ServiceContext,
  challenge: string,
  view: (snapshot: AccessSnapshot) => AccessSnapshot = (s) => s,
  waitMs = 1_000,
): Promise<PendingChallenge | undefined> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const pending = view(await ctx.read()).tfaChallenges.get(challenge);
    if (pending || Date.now() >= deadline) return pending;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
