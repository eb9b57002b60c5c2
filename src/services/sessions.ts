/**
 * Revoking a user's sessions (beyond Proxmox): every ticket issued to the user before now is
 * refused by every node (auth/sessions.ts). The services that change what a ticket stands
 * for (password, disable, delete, a second-factor reset) revoke in their own transaction;
 * "log out everywhere" revokes on request.
 */
import { forbidden } from '../errors.js';
import { revocationStale, revokedBefore } from '../auth/sessions.js';
import { ROOT_USERID, type UserId } from '../model/ids.js';
import { encodeSessions, KEYS } from '../store/codec.js';
import { draft } from './audit.js';
import { authorize } from './authorize.js';
import { audited, commit, type Changes, type ServiceContext } from './context.js';
import { requireUser } from './entities.js';

/** Stale revocations removed per write: enough to keep up, bounded per transaction. */
const SWEEP = 16;

/** Adds the revocation of `userid`'s sessions at `now` to a change. */
export function revokeSessions(changes: Changes, userid: UserId, now: number): void {
  changes.put(KEYS.sessions(userid), encodeSessions(revokedBefore(now)));
  // Once no ticket that old can verify, an entry (of a deleted user, say) says nothing.
  let swept = 0;
  for (const [other, from] of changes.snapshot.sessions) {
    if (swept >= SWEEP) break;
    if (other !== userid && revocationStale(from, now)) {
      changes.delete(KEYS.sessions(other));
      swept++;
    }
  }
}

/**
 * "Log out everywhere": a user for themself (not with an API token: a token is not a
 * session), or anyone with `User.Modify` on the user through groups who holds at least the
 * user's privileges (as for changing the account); only root@pam logs out root@pam.
 */
export async function logoutEverywhere(ctx: ServiceContext, userid: UserId): Promise<void> {
  const change = draft('user', userid, 'logout');
  return audited(ctx, change, async () => {
    const auth = await authorize(ctx);
    const { actor } = auth;
    const self = actor.token === undefined && actor.userid === userid;
    if (!self) {
      if (userid === ROOT_USERID && actor.authid !== ROOT_USERID) throw forbidden();
      auth.useridGroup(['User.Modify'], userid);
      // Not a gain of privileges, but a change of the account all the same: the same rule.
      auth.holdsAtLeast(userid);
    }
    await commit(
      ctx,
      'log out failed',
      (changes) => {
        requireUser(changes.snapshot, userid);
        revokeSessions(changes, userid, ctx.now());
      },
      change,
    );
  });
}
