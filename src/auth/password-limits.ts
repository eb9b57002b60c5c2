/**
 * How long a password may be, apart from the hashing (auth/password.ts), which loads the
 * argon2 library: what checks a parameter needs no hashing loaded.
 */

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 64;

/**
 * The longest password Tessera checks, in UTF-8 bytes; longer ones are refused without being
 * hashed (crypt's cost grows faster than the length). Proxmox sets passwords of at most 64
 * characters; Linux-PAM and pam_unix take at most 512 bytes, Active Directory 256 characters;
 * a ticket given as the password for a renewal (an imported RSA-4096 key's included) stays
 * below 1024 bytes.
 */
export const LOGIN_PASSWORD_MAX_BYTES = 1024;

/** Whether a password is beyond what any password check takes. */
export function passwordTooLong(password: string): boolean {
  // Why: a quick upper bound first, so that a megabyte is not encoded to be measured.
  return (
    password.length > LOGIN_PASSWORD_MAX_BYTES ||
    Buffer.byteLength(password) > LOGIN_PASSWORD_MAX_BYTES
  );
}
