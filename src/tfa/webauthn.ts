/**
 * WebAuthn ceremonies as Proxmox runs them: user presence required, user verification
 * discouraged, no attestation, 5-minute browser timeout. The relying party comes from
 * `serve`'s options (`--webauthn-rp-id`, `--webauthn-origin`), then from datacenter.cfg's
 * `webauthn` setting, then, as in Proxmox, from the host the browser asked for. Every refusal names the check that failed, and the signature counter is
 * compared only after the signature holds, so a forged answer cannot raise a false alarm.
 */
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { isIP } from 'node:net';
import type { WebauthnConfig } from '../model/datacenter.js';
import { fromCose, toCose, type CoseCredential } from './webauthn-credential.js';
import { checkCounter, WebauthnError, type WebauthnCheck } from './webauthn-counter.js';

export { checkCounter, WebauthnError, type WebauthnCheck } from './webauthn-counter.js';

/**
 * The WebAuthn library, loaded when a ceremony first needs it: it takes a third of a second
 * to load, which every command line that merely touches second factors would pay otherwise.
 * `serve` loads it at start ({@link preloadWebauthn}), so that no login waits for it.
 */
let library: Promise<typeof import('@simplewebauthn/server')> | undefined;

export function preloadWebauthn(): Promise<typeof import('@simplewebauthn/server')> {
  return (library ??= import('@simplewebauthn/server'));
}

export interface RelyingParty {
  readonly id: string;
  readonly origin: string;
  readonly name: string;
  /** Whether a subdomain of the origin's host may answer too (datacenter.cfg's `allow-subdomains`). */
  readonly subdomains?: boolean;
}

export interface WebauthnSettings {
  readonly rpId?: string;
  readonly origin?: string;
  /** The relying party's name; the id when unset. */
  readonly rpName?: string;
  readonly allowSubdomains?: boolean;
}

/**
 * The settings in force: `serve`'s options override datacenter.cfg's `webauthn` part by
 * part. Where datacenter.cfg configures WebAuthn, subdomains of the origin may answer unless
 * it says `allow-subdomains=0` (Proxmox's default); without it only the origin itself.
 */
export function webauthnSettings(
  flags: WebauthnSettings,
  datacenter: WebauthnConfig | undefined,
): WebauthnSettings {
  if (datacenter === undefined) return flags;
  const rpId = flags.rpId ?? datacenter.id;
  const origin = flags.origin ?? datacenter.origin;
  const rpName = flags.rpName ?? datacenter.rp;
  return {
    ...(rpId !== undefined ? { rpId } : {}),
    ...(origin !== undefined ? { origin } : {}),
    ...(rpName !== undefined ? { rpName } : {}),
    allowSubdomains: flags.allowSubdomains ?? datacenter.allowSubdomains ?? true,
  };
}

/**
 * The relying party for a request: configured values win; otherwise the origin is the one
 * the browser used. An IP address cannot be a relying party id, so WebAuthn is unavailable
 * there (the reason is returned instead).
 */
export function relyingParty(
  settings: WebauthnSettings,
  request: { readonly protocol: string; readonly host: string | undefined },
): RelyingParty | { readonly unavailable: string } {
  const origin =
    settings.origin ?? (request.host !== undefined ? `${request.protocol}://${request.host}` : '');
  let host: string;
  try {
    host = new URL(origin).hostname;
  } catch {
    return { unavailable: `no usable origin ('${origin}')` };
  }
  const id = settings.rpId ?? host;
  if (isIP(id.replace(/^\[|\]$/g, '')) !== 0)
    return { unavailable: `the relying party id '${id}' is an IP address; use a host name` };
  if (host !== id && !host.endsWith(`.${id}`))
    return { unavailable: `the relying party id '${id}' does not match the origin ${origin}` };
  return {
    id,
    origin: new URL(origin).origin,
    name: settings.rpName ?? id,
    ...(settings.allowSubdomains === true ? { subdomains: true } : {}),
  };
}

/** The relying party a handed-out challenge was given (rp name is not checked). */
export function pendingParty(pending: {
  readonly rpId: string;
  readonly origin: string;
  readonly subdomains?: boolean;
}): RelyingParty {
  return {
    id: pending.rpId,
    origin: pending.origin,
    name: pending.rpId,
    ...(pending.subdomains === true ? { subdomains: true } : {}),
  };
}

/**
 * The origins an answer may come from: the relying party's, and with `subdomains` the
 * origin the browser reports when it is the same scheme and port on a subdomain of the
 * origin's host (as webauthn-rs checks it for Proxmox).
 */
export function acceptedOrigins(rp: RelyingParty, response: unknown): string[] {
  if (rp.subdomains !== true) return [rp.origin];
  const reported = reportedOrigin(response);
  if (reported === undefined) return [rp.origin];
  let theirs: URL;
  try {
    theirs = new URL(reported);
  } catch {
    return [rp.origin];
  }
  const ours = new URL(rp.origin);
  const sub =
    theirs.protocol === ours.protocol &&
    theirs.port === ours.port &&
    theirs.origin === reported &&
    theirs.hostname.endsWith(`.${ours.hostname}`);
  return sub ? [rp.origin, reported] : [rp.origin];
}

/** The `origin` of the answer's clientDataJSON, if it has one. */
function reportedOrigin(response: unknown): string | undefined {
  const data = (response as { response?: { clientDataJSON?: unknown } } | null)?.response
    ?.clientDataJSON;
  if (typeof data !== 'string' || data.length > 16_384) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(data, 'base64url').toString('utf8')) as unknown;
    const origin = (parsed as { origin?: unknown } | null)?.origin;
    return typeof origin === 'string' ? origin : undefined;
  } catch {
    return undefined;
  }
}

export const BROWSER_TIMEOUT_MS = 300_000;

export async function registrationOptions(
  rp: RelyingParty,
  userid: string,
  exclude: readonly string[],
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return (await preloadWebauthn()).generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: userid,
    userDisplayName: userid,
    timeout: BROWSER_TIMEOUT_MS,
    attestationType: 'none',
    excludeCredentials: exclude.map((id) => ({ id })),
    authenticatorSelection: { residentKey: 'discouraged', userVerification: 'discouraged' },
  });
}

export async function authenticationOptions(
  rp: RelyingParty,
  allow: readonly string[],
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const options = await (
    await preloadWebauthn()
  ).generateAuthenticationOptions({
    rpID: rp.id,
    allowCredentials: allow.map((id) => ({ id })),
    userVerification: 'discouraged',
    timeout: BROWSER_TIMEOUT_MS,
  });
  return { ...options, hints: ['security-key'] };
}

function classify(err: unknown): WebauthnError {
  const message = err instanceof Error ? err.message : String(err);
  const check: WebauthnCheck = /origin/i.test(message)
    ? 'origin'
    : /RP ID/i.test(message)
      ? 'rp_id'
      : /challenge/i.test(message)
        ? 'challenge'
        : /not present/i.test(message)
          ? 'user_presence'
          : /signature|ASN1|ECDSA/i.test(message)
            ? 'signature'
            : 'response';
  return new WebauthnError(check, message);
}

/** Checks a new credential; returns it in webauthn-rs's JSON for tfa.cfg. */
export async function verifyRegistration(
  rp: RelyingParty,
  challenge: string,
  response: unknown,
): Promise<Record<string, unknown>> {
  let result;
  try {
    result = await (
      await preloadWebauthn()
    ).verifyRegistrationResponse({
      response: response as RegistrationResponseJSON,
      expectedChallenge: challenge,
      expectedOrigin: acceptedOrigins(rp, response),
      expectedRPID: rp.id,
      requireUserVerification: false,
    });
  } catch (err) {
    throw classify(err);
  }
  if (!result.verified) throw new WebauthnError('response', 'registration not verified');
  const { credential, credentialBackedUp, credentialDeviceType } = result.registrationInfo;
  return fromCose(credential.id, credential.publicKey, credential.counter, {
    backupEligible: credentialDeviceType === 'multiDevice',
    backupState: credentialBackedUp,
  });
}

/**
 * Checks a login answer against one stored credential; returns the authenticator's new
 * counter. A counter at or below the stored one (when either is non-zero) is a regression:
 * the key may have been cloned.
 */
export async function verifyAuthentication(
  rp: RelyingParty,
  challenge: string,
  response: unknown,
  stored: Readonly<Record<string, unknown>>,
): Promise<{ counter: number; credential: CoseCredential }> {
  let credential: CoseCredential;
  try {
    credential = toCose(stored);
  } catch (err) {
    throw new WebauthnError('credential', `stored credential unusable: ${(err as Error).message}`);
  }
  let result;
  try {
    result = await (
      await preloadWebauthn()
    ).verifyAuthenticationResponse({
      response: response as AuthenticationResponseJSON,
      expectedChallenge: challenge,
      expectedOrigin: acceptedOrigins(rp, response),
      expectedRPID: rp.id,
      // The counter is compared below, once the signature is known to be good.
      credential: { id: credential.id, publicKey: credential.publicKey, counter: 0 },
      requireUserVerification: false,
    });
  } catch (err) {
    throw classify(err);
  }
  if (!result.verified) throw new WebauthnError('signature', 'signature not verified');
  const counter = result.authenticationInfo.newCounter;
  checkCounter(counter, credential.counter);
  return { counter, credential };
}
