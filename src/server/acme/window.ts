/**
 * When a certificate is renewed: 30 days before it ends (Let's Encrypt's advice for its
 * 90-day certificates), or a third of its lifetime before for short-lived ones, so that a
 * 6-day certificate is renewed with two days left and failures have time for retries.
 */
const DAY_MS = 86_400_000;
export const RENEW_BEFORE_MS = 30 * DAY_MS;

export interface Validity {
  /** Unix ms. */
  readonly notBefore: number;
  readonly notAfter: number;
}

/**
 * The moment (Unix ms) from which `validity` is due for renewal; `renewBeforeMs` replaces
 * the default window (`--acme-renew-days`).
 */
export function renewalTime(validity: Validity, renewBeforeMs?: number): number {
  const lifetime = validity.notAfter - validity.notBefore;
  const window = renewBeforeMs ?? Math.min(RENEW_BEFORE_MS, lifetime / 3);
  return validity.notAfter - window;
}

/** Waits after the `failures`-th failure in a row: 1 minute, doubling, at most 6 hours. */
export function retryDelay(failures: number): number {
  return Math.min(60_000 * 2 ** Math.max(0, Math.min(failures - 1, 20)), 6 * 3_600_000);
}
