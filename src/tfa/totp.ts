/**
 * TOTP (RFC 6238 over RFC 4226 HOTP) as Proxmox checks it: the code must have exactly the
 * entry's number of digits, steps −1, 0 and +1 around now are tried, and a step at or below
 * the entry's last used one is a replay. The HOTP arithmetic is otpauth's.
 */
import { HOTP, Secret } from 'otpauth';
import type { TotpParameters } from '../model/totp-uri.js';

/** The code of one counter value. */
export function hotpCode(
  params: Pick<TotpParameters, 'secret' | 'algorithm' | 'digits'>,
  counter: number,
): string {
  return new HOTP({
    secret: new Secret({ buffer: Uint8Array.from(params.secret).buffer }),
    algorithm: params.algorithm,
    digits: params.digits,
  }).generate({ counter });
}

export function totpStep(params: Pick<TotpParameters, 'period'>, unixSeconds: number): number {
  return Math.floor(unixSeconds / params.period);
}

export type TotpCheck =
  { readonly ok: true; readonly step: number } | { readonly ok: false; readonly replay: boolean };

/**
 * Checks `code` at `unixSeconds`. `lastStep` is the step of the last accepted code; a match
 * at or below it is reported as a replay.
 */
export function checkTotp(
  params: TotpParameters,
  code: string,
  unixSeconds: number,
  lastStep: number | undefined,
): TotpCheck {
  if (code.length !== params.digits || !/^\d+$/.test(code)) return { ok: false, replay: false };
  const now = totpStep(params, unixSeconds);
  for (const step of [now - 1, now, now + 1]) {
    if (step < 0 || hotpCode(params, step) !== code) continue;
    if (lastStep !== undefined && step <= lastStep) return { ok: false, replay: true };
    return { ok: true, step };
  }
  return { ok: false, replay: false };
}
