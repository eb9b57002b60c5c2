/**
 * Which kind of hash Tessera writes for a new `pve` password, and which stored hashes
 * Proxmox's own check can verify. Proxmox checks a password with Perl's crypt() against
 * the priv/shadow.cfg entry (PVE::Auth::PVE::authenticate_user), so an exported hash must be
 * one libxcrypt knows; argon2id is not.
 */

/**
 * - `argon2id` (the default): the strongest choice for a Tessera that stands alone.
 * - `sha512-crypt`: `$6$rounds=...$` hashes, which Proxmox verifies, for deployments that
 *   export to Proxmox or run next to a cluster.
 */
export const PASSWORD_HASH_KINDS = ['argon2id', 'sha512-crypt'] as const;

export type PasswordHashKind = (typeof PASSWORD_HASH_KINDS)[number];

export const DEFAULT_PASSWORD_HASH: PasswordHashKind = 'argon2id';

/** The store setting's name, as `config set` takes it. */
export const PASSWORD_HASH_SETTING = 'password-hash';

/**
 * The rounds of the SHA-512-crypt hashes Tessera writes: ten times glibc's default of 5000
 * (what Proxmox itself uses), half of Tessera's verification limit (MAX_CRYPT_ROUNDS in
 * crypt-hash.ts), about 0.1 s in Tessera's worker threads and a few milliseconds in C.
 */
export const SHA512_CRYPT_ROUNDS = 50_000;

export function isPasswordHashKind(value: string): value is PasswordHashKind {
  return (PASSWORD_HASH_KINDS as readonly string[]).includes(value);
}

/**
 * Prefixes of the crypt(3) schemes Debian's libxcrypt verifies (what Proxmox's crypt() uses):
 * MD5, SHA-256, SHA-512, yescrypt, gost-yescrypt, scrypt and bcrypt. Tessera writes only
 * `$6$`, and Proxmox writes `$5$`; the others can only have come from a Proxmox import.
 */
const PROXMOX_VERIFIES = /^\$(?:1|5|6|y|gy|7|2[aby])\$/;

/** Whether Proxmox's crypt() check can verify a stored hash. */
export function proxmoxCanVerify(hash: string): boolean {
  return PROXMOX_VERIFIES.test(hash);
}
