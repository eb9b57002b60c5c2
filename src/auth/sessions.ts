/**
 * Revoked sessions (beyond Proxmox, whose tickets live their two hours whatever happens).
 * A user's sessions are revoked by storing a time (`sessions/<userid>`): every ticket of that
 * user issued before it is refused, by every node, as soon as its snapshot has the change.
 *
 * Tickets carry whole seconds. A revocation at second S stores S + 1, so that a ticket issued
 * earlier in that same second is refused too; a ticket issued afterwards (the login that
 * follows a password change) is dated {@link ticketTime}, at least the stored time, and
 * stays valid. It may then be dated up to a second ahead, which the clock skew allowed for
 * tickets (300 s) absorbs.
 */
import type { AccessSnapshot } from '../store/snapshot.js';
import { CLOCK_SKEW, TICKET_LIFETIME } from './ticket.js';

/** The time a revocation at `now` stores. */
export function revokedBefore(now: number): number {
  return Math.floor(now) + 1;
}

/** Whether a ticket of `userid` issued at `issued` (Unix seconds) has been revoked. */
export function sessionRevoked(
  snapshot: Pick<AccessSnapshot, 'sessions'>,
  userid: string,
  issued: number,
): boolean {
  const from = snapshot.sessions.get(userid);
  return from !== undefined && issued < from;
}

/** The time to put in a new ticket for `userid`: now, or the end of a revocation's second. */
export function ticketTime(
  snapshot: Pick<AccessSnapshot, 'sessions'>,
  userid: string,
  now: number,
): number {
  const from = snapshot.sessions.get(userid);
  return from !== undefined && from > now ? from : now;
}

/**
 * Whether a stored revocation can still matter at `now`: no ticket older than its lifetime
 * plus the clock skew verifies anyway, so older entries may be removed.
 */
export function revocationStale(from: number, now: number): boolean {
  return from < now - TICKET_LIFETIME - CLOCK_SKEW;
}
