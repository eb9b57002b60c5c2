/**
 * The second factor of a login, as Proxmox's wire has it. Step one builds the challenge (which
 * factors the user may answer with, the WebAuthn request, the recovery keys left) and puts
 * it in a partial ticket bound to the user; step two checks the partial ticket and the
 * answer, `totp:<code>`, `recovery:<key>`, `webauthn:<json>` or `yubico:<otp>`. Locks,
 * failure counts and single use are the service's (services/tfa.ts).
 */
import { checkUserEnabled } from '../../auth/api-token.js';
import type { ServerKeys } from '../../auth/server-keys.js';
import { sessionRevoked } from '../../auth/sessions.js';
import { verifyTicket } from '../../auth/ticket.js';
import { AuthFailure, isTesseraError } from '../../errors.js';
import type { UserId } from '../../model/ids.js';
import type { ServiceContext } from '../context.js';
import {
  answerSecondFactor,
  type AnswerCause,
  type LockoutLimits,
  type SecondFactorAnswer,
} from '../tfa.js';
import { findChallenge, storeChallenge } from '../tfa-challenges.js';
import type { OfflineTfa } from '../tfa-offline.js';
import type { AccessSnapshot } from '../../store/snapshot.js';
import { tfaChallenge, type TfaChallenge } from '../../tfa/challenge.js';
import { availableRecoveryKeys } from '../../tfa/recovery.js';
import { loginFactors, realmTfa, type RealmTfa } from '../../tfa/realm.js';
import { enabledCredentials } from '../../tfa/webauthn-credential.js';
import {
  authenticationOptions,
  pendingParty,
  relyingParty,
  webauthnSettings,
  verifyAuthentication,
  WebauthnError,
  type WebauthnSettings,
} from '../../tfa/webauthn.js';
import { isYubicoOtpShape, verifyYubicoOtp, yubicoPublicId } from '../../tfa/yubico.js';

export interface SecondFactorContext {
  readonly services: ServiceContext;
  readonly offline: OfflineTfa | undefined;
  readonly webauthn: WebauthnSettings;
  readonly lockout: LockoutLimits;
  /** The scheme and host the browser used: the default WebAuthn origin. */
  readonly request: { readonly protocol: string; readonly host: string | undefined };
}

function requirement(snapshot: AccessSnapshot, userid: UserId): RealmTfa | undefined {
  try {
    return realmTfa(snapshot, userid);
  } catch (err) {
    throw new AuthFailure((err as Error).message, 'tfa_required');
  }
}

/**
 * The challenge for a user who passed the first factor, or `undefined` when none is needed.
 * `withWebauthn: false` leaves out the browser challenge (the one-step `otp` login).
 */
export async function loginChallenge(
  snapshot: AccessSnapshot,
  ctx: SecondFactorContext,
  userid: UserId,
  now: number,
  withWebauthn = true,
): Promise<TfaChallenge | undefined> {
  const realm = requirement(snapshot, userid);
  const user = loginFactors(snapshot, userid, realm);
  if (realm?.type === 'yubico') {
    // As in Proxmox: the realm decides, and only Yubico (or a recovery key) is offered.
    return {
      yubico: true,
      ...(user?.recovery ? { recovery: availableRecoveryKeys(user.recovery) } : {}),
    };
  }
  const challenge = tfaChallenge(user);
  const credentials = enabledCredentials(user);
  if (challenge && credentials.length > 0 && withWebauthn) {
    const rp = relyingParty(
      webauthnSettings(ctx.webauthn, snapshot.datacenter?.webauthn),
      ctx.request,
    );
    if ('id' in rp) {
      const options = await authenticationOptions(
        rp,
        credentials.map((c) => c.id),
      );
      await storeChallenge(
        ctx.services,
        {
          challenge: options.challenge,
          userid,
          kind: 'login',
          created: now,
          rpId: rp.id,
          origin: rp.origin,
          ...(rp.subdomains === true ? { subdomains: true } : {}),
        },
        ctx.offline,
      );
      challenge.webauthn = { publicKey: options };
    }
  }
  if (realm?.type === 'oath' && challenge?.totp !== true && challenge?.recovery === undefined)
    throw new AuthFailure('missing required 2nd keys', 'tfa_required');
  return challenge;
}

/** Step two: the partial ticket must be this user's; the answer is checked and recorded. */
export async function checkSecondFactor(
  snapshot: AccessSnapshot,
  keys: ServerKeys | undefined,
  ctx: SecondFactorContext,
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
  if (sessionRevoked(snapshot, userid, now - verified.age))
    throw new AuthFailure(
      "TFA challenge issued before the user's sessions were revoked",
      'ticket_revoked',
    );
  let challenge: TfaChallenge;
  try {
    challenge = JSON.parse(verified.data.slice('!tfa!'.length)) as TfaChallenge;
  } catch {
    throw new AuthFailure('invalid TFA challenge', 'tfa_challenge_invalid');
  }
  await answerChallenge(snapshot, ctx, userid, challenge, answer, now);
}

/** Checks `answer` (`<type>:<value>`) against a challenge the server issued. */
export async function answerChallenge(
  snapshot: AccessSnapshot,
  ctx: SecondFactorContext,
  userid: UserId,
  challenge: TfaChallenge,
  answer: string,
  now: number,
): Promise<void> {
  checkUserEnabled(snapshot, userid, now);
  const colon = answer.indexOf(':');
  const type = colon < 0 ? answer : answer.slice(0, colon);
  const value = colon < 0 ? '' : answer.slice(colon + 1);
  const realm = requirement(snapshot, userid);
  // A realm that requires a kind accepts that kind or a recovery key; nothing is counted.
  const required = realm?.type === 'oath' ? 'totp' : realm?.type;
  if (required !== undefined && type !== required && type !== 'recovery')
    throw new AuthFailure(`realm requires ${required} authentication`, 'tfa_required');

  let parsed: SecondFactorAnswer;
  switch (type) {
    case 'totp':
    case 'recovery':
      parsed = { type, value };
      break;
    case 'webauthn':
      parsed = await webauthnAnswer(snapshot, ctx, userid, challenge, value);
      break;
    case 'yubico':
      if (challenge.yubico !== true || realm?.type !== 'yubico')
        throw new AuthFailure('invalid tfa response', 'tfa_unsupported');
      parsed = await yubicoAnswer(snapshot, userid, realm, value);
      break;
    default:
      // Answers of unknown kinds are refused, not counted (as in Proxmox).
      throw new AuthFailure(`unsupported second factor '${type}'`, 'tfa_unsupported');
  }
  let result;
  try {
    result = await answerSecondFactor(ctx.services, userid, parsed, now, ctx.lockout, ctx.offline);
  } catch (err) {
    if (isTesseraError(err, 'store_read_only'))
      throw new AuthFailure(
        `second factor not accepted: ${err.detail}; a ${type === 'recovery' ? 'recovery key' : 'used code'} must be recorded for the whole cluster before it counts`,
        'store_read_only',
      );
    throw err;
  }
  if (!result.ok) throw new AuthFailure(`failed 2nd factor: ${result.reason}`, result.cause);
}

async function webauthnAnswer(
  snapshot: AccessSnapshot,
  ctx: SecondFactorContext,
  userid: UserId,
  challenge: TfaChallenge,
  value: string,
): Promise<SecondFactorAnswer> {
  let response: Record<string, unknown>;
  try {
    const json: unknown = JSON.parse(value);
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error();
    response = json as Record<string, unknown>;
  } catch {
    throw new AuthFailure('invalid webauthn response: not a JSON object', 'tfa_unsupported');
  }
  const { challenge: answered, ...credential } = response;
  if (typeof answered !== 'string')
    throw new AuthFailure("invalid webauthn response: 'challenge' missing", 'tfa_unsupported');
  const fail = (
    reason: string,
    cause: 'webauthn_failed' = 'webauthn_failed',
  ): SecondFactorAnswer => ({
    type: 'webauthn',
    challenge: answered,
    verdict: { ok: false, reason, cause },
  });
  if (challenge.webauthn?.publicKey.challenge !== answered)
    return fail('challenge check failed: not the challenge of this login');
  const offline = ctx.offline;
  const pending = await findChallenge(ctx.services, answered, (s) => offline?.view(s) ?? s);
  if (pending?.userid !== userid || pending.kind !== 'login') return fail('no such challenge');
  const user = loginFactors(snapshot, userid, requirement(snapshot, userid));
  const stored = enabledCredentials(user).find((c) => c.id === credential['id']);
  const entry = user?.webauthn.find((w) => w.info.id === stored?.entryId);
  if (!stored || !entry) return fail('credential check failed: not a registered, enabled key');
  try {
    const { counter } = await verifyAuthentication(
      pendingParty(pending),
      answered,
      credential,
      entry.credential,
    );
    return {
      type: 'webauthn',
      challenge: answered,
      verdict: { ok: true, entryId: entry.info.id, counter },
    };
  } catch (err) {
    if (!(err instanceof WebauthnError)) throw err;
    if (err.check === 'counter')
      return {
        type: 'webauthn',
        challenge: answered,
        verdict: { ok: false, reason: err.message, cause: 'webauthn_counter' },
      };
    return fail(`${err.check.replace('_', ' ')} check failed: ${err.message}`);
  }
}

async function yubicoAnswer(
  snapshot: AccessSnapshot,
  userid: UserId,
  realm: RealmTfa & { type: 'yubico' },
  otp: string,
): Promise<SecondFactorAnswer> {
  const ids = (loginFactors(snapshot, userid, realm)?.yubico ?? [])
    .filter((y) => y.info.enable)
    .map((y) => y.publicId.toLowerCase());
  const fail = (reason: string, cause: AnswerCause): SecondFactorAnswer => ({
    type: 'yubico',
    verdict: { ok: false, reason, cause },
  });
  if (ids.length === 0) return fail('no keys configured', 'tfa_wrong_code');
  if (!isYubicoOtpShape(otp)) return fail('invalid Yubico OTP', 'yubico_bad_otp');
  if (!ids.includes(yubicoPublicId(otp).toLowerCase()))
    return fail('Yubico OTP of a key not registered for this user', 'tfa_wrong_code');
  const result = await verifyYubicoOtp(realm, otp);
  if (!result.ok) return fail(result.reason, result.cause);
  return { type: 'yubico', verdict: { ok: true } };
}
