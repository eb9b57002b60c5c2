/**
 * Step two of a login with second factors: `tfa-challenge` is the partial ticket of step one
 * (bound to the user logging in), `password` the answer, `totp:<code>` or
 * `recovery:<key>`. Locks in tfa.cfg are honoured; WebAuthn, Yubico and U2F answers come
 * with their support.
 */
import { AuthFailure, checkUserEnabled } from '../auth/api-token.js';
import type { ServerKeys } from '../auth/server-keys.js';
import { verifyTicket } from '../auth/ticket.js';
import { isTesseraError } from '../errors.js';
import type { UserId } from '../model/ids.js';
import type { ServiceContext } from '../services/context.js';
import { useRecoveryKey, useTotp } from '../services/tfa.js';
import type { AccessSnapshot } from '../store/snapshot.js';

export async function checkSecondFactor(
  snapshot: AccessSnapshot,
  keys: ServerKeys | undefined,
  services: ServiceContext,
  userid: UserId,
  challengeTicket: string,
  answer: string,
  now: number,
): Promise<void> {
  const verified = keys
    ? verifyTicket(keys.ring, challengeTicket, { now, secretData: userid })
    : undefined;
  if (!verified?.data.startsWith('!tfa!'))
    throw new AuthFailure('invalid or expired TFA challenge', 'tfa_challenge_invalid');
  checkUserEnabled(snapshot, userid, now);
  const user = snapshot.tfa.users.get(userid);
  if (user?.tfaLockedUntil !== undefined && user.tfaLockedUntil > now)
    throw new AuthFailure('failed 2nd factor: TFA limit reached, user locked out', 'tfa_locked');
  const colon = answer.indexOf(':');
  const type = colon < 0 ? answer : answer.slice(0, colon);
  const value = colon < 0 ? '' : answer.slice(colon + 1);
  try {
    switch (type) {
      case 'totp':
        if (user?.totpLocked === true)
          throw new AuthFailure('failed 2nd factor: TOTP limit reached, locked', 'totp_locked');
        await useTotp(services, userid, value, now);
        return;
      case 'recovery':
        await useRecoveryKey(services, userid, value);
        return;
      default:
        throw new AuthFailure(`second factor '${type}' is not supported yet`, 'tfa_unsupported');
    }
  } catch (err) {
    if (err instanceof AuthFailure) throw err;
    if (isTesseraError(err, 'rejected'))
      throw new AuthFailure(`failed 2nd factor: ${err.detail}`, 'tfa_wrong_code');
    if (isTesseraError(err, 'store_read_only'))
      throw new AuthFailure(
        `second factor not recorded: ${err.detail} (a used code or key must be recorded before it counts)`,
        'store_read_only',
      );
    throw err;
  }
}
