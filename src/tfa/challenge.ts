/**
 * The second-factor challenge of a login, as Proxmox builds it (kebab-case keys, only those
 * present): `totp` and `yubico` when an enabled entry of that kind exists, `recovery` with
 * the slots still usable whenever a recovery set exists. A user whose entries are all
 * disabled, and who has no recovery set, needs no second factor. The WebAuthn request is
 * added by the login (services/login/second-factor.ts), which must store its challenge.
 */
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import type { TfaUser } from '../model/tfa.js';
import { availableRecoveryKeys } from './recovery.js';

export interface TfaChallenge {
  totp?: true;
  recovery?: number[];
  yubico?: true;
  /** The browser's `navigator.credentials.get()` request, when WebAuthn is usable. */
  webauthn?: { publicKey: PublicKeyCredentialRequestOptionsJSON };
}

export function tfaChallenge(user: TfaUser | undefined): TfaChallenge | undefined {
  if (!user) return undefined;
  const challenge: TfaChallenge = {};
  if (user.totp.some((t) => t.info.enable)) challenge.totp = true;
  if (user.yubico.some((y) => y.info.enable)) challenge.yubico = true;
  if (user.recovery) challenge.recovery = availableRecoveryKeys(user.recovery);
  const webauthn = user.webauthn.some((w) => w.info.enable) || user.u2f.some((u) => u.info.enable);
  if (Object.keys(challenge).length === 0 && !webauthn) return undefined;
  return challenge;
}
