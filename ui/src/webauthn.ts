/**
 * The browser's WebAuthn ceremonies, as Proxmox's UI runs them: a login answer is
 * `webauthn:` + the credential's JSON with the challenge added, a registration answer is the
 * credential's JSON. @simplewebauthn/browser is loaded only when a ceremony starts, so the
 * login page does not carry it.
 */
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/browser';

export type LoginOptions = PublicKeyCredentialRequestOptionsJSON;
export type RegistrationOptions = PublicKeyCredentialCreationOptionsJSON;

/** Whether this browser has the WebAuthn API at all (it needs HTTPS or localhost). */
export function webauthnAvailable(): boolean {
  return typeof window.PublicKeyCredential === 'function';
}

/** Asks the security key to sign the login challenge; the answer for `password`. */
export async function webauthnLoginAnswer(publicKey: LoginOptions): Promise<string> {
  const { startAuthentication } = await import('@simplewebauthn/browser');
  const credential = await startAuthentication({ optionsJSON: publicKey });
  return `webauthn:${JSON.stringify({ ...credential, challenge: publicKey.challenge })}`;
}

/** Creates a credential on the security key; the JSON for `value`. */
export async function webauthnRegistration(publicKey: RegistrationOptions): Promise<string> {
  const { startRegistration } = await import('@simplewebauthn/browser');
  return JSON.stringify(await startRegistration({ optionsJSON: publicKey }));
}

/** A sentence for what the browser or the key refused. */
export function describeWebauthnError(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const name = err.cause instanceof Error ? err.cause.name : err.name;
  switch (name) {
    case 'NotAllowedError':
      return 'The security key did not answer, or the request was cancelled or timed out.';
    case 'InvalidStateError':
      return 'This security key is already registered.';
    case 'SecurityError':
      return 'The browser refused WebAuthn for this address (it needs HTTPS and a host name).';
    case 'NotSupportedError':
      return 'This browser or security key does not support what the server asked for.';
    default:
      return undefined;
  }
}
