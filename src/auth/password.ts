/**
 * Password hashes of the `pve` realm. New passwords get the kind the deployment's
 * `password-hash` setting names (model/password-hash.ts): argon2id by default, or
 * SHA-512-crypt (`$6$rounds=50000$`), which Proxmox's crypt() verifies, for deployments whose
 * priv/shadow.cfg goes to Proxmox. Hashes imported from Proxmox's priv/shadow.cfg are crypt(3)
 * SHA-256 (`$5$`) or SHA-512 (`$6$`) strings; they keep verifying. A login that succeeds
 * reports whether the stored hash should be replaced: a hash of the other kind, or an argon2id
 * one of weaker settings; a crypt hash stays as it is while the setting asks for crypt. Every
 * hash is computed off the event loop (argon2 on libuv's pool, crypt in worker threads).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { hash as argon2Hash, verify as argon2Verify, type Options } from '@node-rs/argon2';
import { cryptCostProblem } from '../model/crypt-hash.js';
import {
  DEFAULT_PASSWORD_HASH,
  SHA512_CRYPT_ROUNDS,
  type PasswordHashKind,
} from '../model/password-hash.js';
import { passwordTooLong } from './password-limits.js';
import { CryptPool } from './crypt-pool.js';
import { HashScheduler } from './hash-scheduler.js';
import { sourceOf } from './source.js';

/**
 * OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane. The algorithm is the package's
 * default, Argon2id (its `Algorithm` const enum cannot be read from isolated modules); the
 * tests check the `$argon2id$` prefix.
 */
const ARGON2: Options = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/**
 * argon2 runs on libuv's thread pool and crypt in worker threads, but both are CPU work: with
 * every core hashing, the event loop starves and every other request waits. At most one hash
 * per core but one runs at a time for anyone, and one more for quiet sources (clients that
 * failed no check lately), so that a flood's running hash does not hold up a real login;
 * the rest wait in a queue that is fair per source.
 */
const HASH_SLOTS = Math.max(1, availableParallelism() - 1);
export const hashScheduler = new HashScheduler({
  slots: HASH_SLOTS,
  quietSlots: 1,
  maxQueued: 256,
  // Enough for one address's parallel logins (automation with many workers, or clients behind
  // a proxy that is not trusted) on an idle node; fairness between sources comes from the
  // order and from eviction when the queue is full, not from this bound.
  maxQueuedPerSource: 64,
  maxWaitMs: 10_000,
  halfLifeMs: 60_000,
});
const cryptPool = new CryptPool(HASH_SLOTS + 1);

/** Hashing done for the node itself (a new password set by an administrator). */
const LOCAL_SOURCE = 'local';

/** crypt(3)'s salt alphabet: 64 characters, so a byte's low six bits pick one evenly. */
const SALT_ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A 16-character salt (96 bits, the most SHA-512-crypt uses). */
function cryptSalt(): string {
  let salt = '';
  for (const byte of randomBytes(16)) salt += SALT_ALPHABET.charAt(byte & 63);
  return salt;
}

/**
 * A new hash of `password` of the given kind, in the hashing queue as `source` (a client
 * address, or the node itself).
 */
export function hashPassword(
  password: string,
  source: string = LOCAL_SOURCE,
  kind: PasswordHashKind = DEFAULT_PASSWORD_HASH,
): Promise<string> {
  if (kind === 'sha512-crypt') {
    const salt = `$6$rounds=${String(SHA512_CRYPT_ROUNDS)}$${cryptSalt()}`;
    return hashScheduler.run(sourceOf(source), () => cryptPool.crypt(password, salt));
  }
  return hashScheduler.run(sourceOf(source), () => argon2Hash(password, ARGON2));
}

export interface PasswordCheck {
  readonly ok: boolean;
  /**
   * The stored hash is not of the kind the setting asks for (argon2id where crypt is wanted,
   * crypt where argon2id is), or of weaker argon2id settings: store a new one.
   */
  readonly rehash: boolean;
}

const CRYPT = /^\$(5|6)\$(?:rounds=\d+\$)?[^$]{1,16}\$[./0-9A-Za-z]+$/;

function argon2Current(stored: string): boolean {
  return stored.startsWith(
    `$argon2id$v=19$m=${String(ARGON2.memoryCost)},t=${String(ARGON2.timeCost)},p=${String(ARGON2.parallelism)}$`,
  );
}

/**
 * Checks `password` against a stored hash, in the hashing queue as `source` (a client
 * address); `wanted` is the kind new hashes get, which decides `rehash`. A password beyond
 * LOGIN_PASSWORD_MAX_BYTES (password-limits.ts), or a crypt hash beyond MAX_CRYPT_ROUNDS
 * (model/crypt-hash.ts), is refused without hashing.
 */
export async function verifyPassword(
  stored: string,
  password: string,
  source: string = LOCAL_SOURCE,
  wanted: PasswordHashKind = DEFAULT_PASSWORD_HASH,
): Promise<PasswordCheck> {
  if (passwordTooLong(password)) return { ok: false, rehash: false };
  const queue = sourceOf(source);
  const ok = (check: PasswordCheck): boolean => check.ok;
  if (stored.startsWith('$argon2')) {
    return hashScheduler.run(
      queue,
      async () => {
        let valid: boolean;
        try {
          valid = await argon2Verify(stored, password);
        } catch {
          valid = false;
        }
        return {
          ok: valid,
          rehash: valid && (wanted !== 'argon2id' || !argon2Current(stored)),
        };
      },
      ok,
    );
  }
  if (CRYPT.test(stored) && cryptCostProblem(stored) === undefined) {
    const salt = stored.slice(0, stored.lastIndexOf('$'));
    return hashScheduler.run(
      queue,
      async () => {
        const computed = Buffer.from(await cryptPool.crypt(password, salt).catch(() => ''));
        const expected = Buffer.from(stored);
        const valid = computed.length === expected.length && timingSafeEqual(computed, expected);
        // Why: an imported crypt hash already verifies in Proxmox; rehashing it under a crypt
        // setting would only change its salt and rounds.
        return { ok: valid, rehash: valid && wanted === 'argon2id' };
      },
      ok,
    );
  }
  return { ok: false, rehash: false };
}
