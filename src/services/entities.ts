/**
 * Lookups and clean-ups several services share (users, tokens, realm sync), kept apart so
 * that the services depend on them and not on each other.
 */
import type { TokenId, UserId } from '../model/ids.js';
import type { User } from '../model/user-config.js';
import { KEYS } from '../store/codec.js';
import type { AccessSnapshot } from '../store/snapshot.js';
import { refuse, type Changes } from './context.js';

export function requireUser(snapshot: AccessSnapshot, userid: UserId): User {
  const user = snapshot.users.users.get(userid);
  if (!user) throw refuse(`no such user ('${userid}')`, 'userid');
  return user;
}

/** The token's entry and secret (its ACL entries are the caller's to remove). */
export function deleteTokenEntities(changes: Changes, tokenid: TokenId): void {
  changes.delete(KEYS.token(tokenid));
  if (changes.snapshot.revisions.has(KEYS.tokenSecret(tokenid)))
    changes.delete(KEYS.tokenSecret(tokenid));
}
