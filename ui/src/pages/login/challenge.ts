/**
 * The second-factor challenge inside a partial ticket
 * (`PVE:!tfa!<challenge JSON, ':' escaped as %3A>:<HEX8>::<signature>`) and the factors it
 * offers, in the order the step shows them.
 */
import type { LoginOptions } from '../../webauthn.js';

export interface TfaChallenge {
  readonly totp?: boolean;
  /** Indices of the unused recovery keys. */
  readonly recovery?: readonly number[];
  readonly webauthn?: { readonly publicKey: LoginOptions };
  readonly yubico?: boolean;
}

export type FactorKind = 'webauthn' | 'totp' | 'yubico' | 'recovery';

export function parseChallenge(ticket: string): TfaChallenge | undefined {
  const match = /^PVE:!tfa!(.*):[0-9A-F]{8}::/.exec(ticket);
  if (!match) return undefined;
  try {
    return JSON.parse((match[1] ?? '').replaceAll('%3A', ':')) as TfaChallenge;
  } catch {
    return undefined;
  }
}

export function offeredFactors(challenge: TfaChallenge): FactorKind[] {
  return [
    ...(challenge.webauthn ? (['webauthn'] as const) : []),
    ...(challenge.totp === true ? (['totp'] as const) : []),
    ...(challenge.yubico === true ? (['yubico'] as const) : []),
    ...(challenge.recovery !== undefined && challenge.recovery.length > 0
      ? (['recovery'] as const)
      : []),
  ];
}

export const FACTOR_NAMES: Readonly<Record<FactorKind, string>> = {
  webauthn: 'Security key (WebAuthn)',
  totp: 'TOTP code',
  yubico: 'Yubico OTP',
  recovery: 'Recovery key',
};

export function keysLeft(count: number): string {
  return count === 1 ? '1 key left' : `${String(count)} keys left`;
}
