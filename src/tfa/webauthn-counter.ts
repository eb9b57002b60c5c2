/**
 * WebAuthn's refusals and the signature counter rule, apart from the ceremonies: what the
 * second-factor bookkeeping needs without loading the WebAuthn library.
 */

export type WebauthnCheck =
  | 'origin'
  | 'rp_id'
  | 'challenge'
  | 'user_presence'
  | 'signature'
  | 'counter'
  | 'credential'
  | 'response';

export class WebauthnError extends Error {
  constructor(
    readonly check: WebauthnCheck,
    message: string,
  ) {
    super(message);
  }
}

export function checkCounter(counter: number, stored: number): void {
  if ((counter > 0 || stored > 0) && counter <= stored)
    throw new WebauthnError(
      'counter',
      `signature counter went from ${String(stored)} to ${String(counter)}: the authenticator may have been cloned`,
    );
}

/** The stored credential with the counter of the latest login. */
export function withCounter<T extends object>(credential: Readonly<T>, counter: number): T {
  return { ...credential, counter };
}
