/**
 * A password given again to confirm a change (a password change, a second-factor change):
 * checked like a login's first factor, under the login throttle. A throttled address may not
 * guess here either, and a wrong password counts as a failed login and is reported (the auth
 * log); the adapter adds the failure delay.
 */
import { AuthFailure } from '../../errors.js';
import type { UserId } from '../../model/ids.js';
import type { AccessSnapshot } from '../../store/snapshot.js';

/** The login throttle and the failure report, as the API hands them to a service. */
export interface ReentryGuard {
  blocked(address: string, userid: UserId, now: number): boolean;
  failed(address: string, userid: UserId, now: number, err: AuthFailure): void;
}

export async function reenterPassword(
  snapshot: AccessSnapshot,
  userid: UserId,
  password: string,
  now: number,
  address: string,
  guard: ReentryGuard | undefined,
): Promise<void> {
  if (guard?.blocked(address, userid, now) === true) {
    const err = new AuthFailure(`throttled: too many failed logins from ${address}`, 'throttled');
    guard.failed(address, userid, now, err);
    throw err;
  }
  try {
    // No server keys: a ticket is not a password here.
    // The realms (directory and OpenID clients) load when a password is first re-entered,
    // not with every service that may ask for one.
    const { confirmPassword } = await import('./first-factor.js');
    await confirmPassword(snapshot, userid, password, now, address);
  } catch (err) {
    if (err instanceof AuthFailure) guard?.failed(address, userid, now, err);
    throw err;
  }
}
