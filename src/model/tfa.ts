/**
 * Second factors as Proxmox keeps them in priv/tfa.cfg: per user, TOTP entries, WebAuthn
 * and (legacy) U2F credentials, Yubico key ids, one set of recovery keys, and the lock
 * flags.
 */
import type { UserId } from './ids.js';
import type { TotpParameters } from './totp-uri.js';

export interface TfaInfo {
  /** A UUID; converted pre-2021 entries have `v1-entry`. */
  readonly id: string;
  readonly description: string;
  /** Unix time the entry was added. */
  readonly created: number;
  /** Disabled entries are skipped at login. */
  readonly enable: boolean;
}

export interface TotpEntry {
  readonly info: TfaInfo;
  readonly totp: TotpParameters;
  /** The time step of the last accepted code; a code at or below it is a replay. */
  readonly lastCount?: number;
}

/** A WebAuthn credential as webauthn-rs stores it (`cred_id`, `cred`, `counter`, ...). */
export interface WebauthnEntry {
  readonly info: TfaInfo;
  readonly credential: Readonly<Record<string, unknown>>;
}

/** A legacy U2F registration (`key`, `public-key`, `certificate`). */
export interface U2fEntry {
  readonly info: TfaInfo;
  readonly registration: Readonly<Record<string, unknown>>;
}

export interface YubicoEntry {
  readonly info: TfaInfo;
  /** The 12-character public id of the key. */
  readonly publicId: string;
}

export interface RecoveryKeys {
  /** 16 hex characters; the HMAC key, as text. */
  readonly secret: string;
  /** HMAC-SHA256 of each key in hex; `null` once used. Positions never move. */
  readonly entries: readonly (string | null)[];
  readonly created: number;
}

export interface TfaUser {
  readonly totp: readonly TotpEntry[];
  readonly u2f: readonly U2fEntry[];
  readonly webauthn: readonly WebauthnEntry[];
  readonly recovery?: RecoveryKeys;
  readonly yubico: readonly YubicoEntry[];
  /** Too many wrong TOTP codes: TOTP is locked until a recovery key or an admin unlocks it. */
  readonly totpLocked: boolean;
  /** Too many second-factor failures: every factor is locked until this Unix time. */
  readonly tfaLockedUntil?: number;
  /**
   * Failures since the last success (a Tessera addition, kept in the store for the whole
   * cluster and not written to tfa.cfg; Proxmox counts per node in /run).
   */
  readonly failures?: { readonly totp: number; readonly tfa: number };
}

export interface TfaConfig {
  readonly users: ReadonlyMap<UserId, TfaUser>;
}

/**
 * A WebAuthn challenge waiting for its answer: a login's second step or a registration's
 * second POST. Valid for {@link CHALLENGE_SECONDS}, usable once.
 */
export interface PendingChallenge {
  /** base64url, as in the browser's clientDataJSON. */
  readonly challenge: string;
  readonly userid: UserId;
  readonly kind: 'login' | 'register';
  /** Unix time it was handed out. */
  readonly created: number;
  /** The relying party the browser was given; the answer is checked against the same. */
  readonly rpId: string;
  readonly origin: string;
  /** Whether a subdomain of the origin's host may answer (datacenter.cfg's `allow-subdomains`). */
  readonly subdomains?: boolean;
  /** The new credential's description (registrations). */
  readonly description?: string;
}

/** How long a WebAuthn challenge may be answered, as in Proxmox. */
export const CHALLENGE_SECONDS = 120;

/** One second factor as Proxmox's API lists it. */
export interface TfaListEntry {
  type: string;
  id: string;
  description?: string;
  created: number;
  enable?: false;
}

function listed(type: string, info: TfaInfo): TfaListEntry {
  return {
    type,
    id: info.id,
    ...(info.description !== '' ? { description: info.description } : {}),
    created: info.created,
    ...(info.enable ? {} : { enable: false as const }),
  };
}

/** Entries in Proxmox's order: TOTP, U2F, WebAuthn, recovery, Yubico. */
/**
 * A user's factors in Proxmox's order (TOTP, U2F, WebAuthn, the recovery keys, Yubico), as
 * `GET /access/tfa` and `pveum user tfa list` show them.
 */
export function listTfaEntries(user: TfaUser | undefined): TfaListEntry[] {
  if (!user) return [];
  return [
    ...user.totp.map((e) => listed('totp', e.info)),
    ...user.u2f.map((e) => listed('u2f', e.info)),
    ...user.webauthn.map((e) => listed('webauthn', e.info)),
    ...(user.recovery
      ? [{ type: 'recovery', id: 'recovery', created: user.recovery.created }]
      : []),
    ...user.yubico.map((e) => listed('yubico', e.info)),
  ];
}
