/**
 * Step two of a login with second factors: `tfa-challenge` is the partial ticket of step one
 * (bound to the user logging in), `password` the answer, `totp:<code>` or
 * `recovery:<key>`. Locks and failure counts are the service's (services/tfa.ts); WebAuthn,
 * Yubico and U2F answers come with their support.
 */
import { AuthFailure, checkUserEnabled } from '../auth/api-token.js';
import type { ServerKeys } from '../auth/server-keys.js';
import { verifyTicket } from '../auth/ticket.js';
import { isTesseraError } from '../errors.js';
import type { UserId } from '../model/ids.js';
import type { ServiceContext } from '../services/context.js';
import { answerSecondFactor } from '../services/tfa.js';
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
  const colon = answer.indexOf(':');
  const type = colon < 0 ? answer : answer.slice(0, colon);
  const value = colon < 0 ? '' : answer.slice(colon + 1);
  // Answers of kinds this server cannot check are refused, not counted (as in Proxmox).
  if (type !== 'totp' && type !== 'recovery')
    throw new AuthFailure(`second factor '${type}' is not supported yet`, 'tfa_unsupported');
  let result;
  try {
    result = await answerSecondFactor(services, userid, { type, value }, now);
  } catch (err) {
    if (isTesseraError(err, 'store_read_only'))
      throw new AuthFailure(
        `second factor not recorded: ${err.detail} (a used code or key must be recorded before it counts)`,
        'store_read_only',
      );
    throw err;
  }
  if (!result.ok) throw new AuthFailure(`failed 2nd factor: ${result.reason}`, result.cause);
}
