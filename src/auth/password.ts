/**
 * Password hashes of the `pve` realm. New passwords are hashed with argon2id (on libuv's
 * thread pool, off the event loop). Hashes imported from Proxmox's priv/shadow.cfg are
 * crypt(3) SHA-256 (`$5$`) or SHA-512 (`$6$`) strings; they keep verifying, and a login
 * that succeeds with one reports that the hash should be replaced by an argon2id one.
 */
import { timingSafeEqual } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { hash as argon2Hash, verify as argon2Verify, type Options } from '@node-rs/argon2';
import { encrypt as cryptEncrypt } from 'unixcrypt';

/**
 * OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane. The algorithm is the package's
 * default, Argon2id (its `Algorithm` const enum cannot be read from isolated modules); the
 * tests check the `$argon2id$` prefix.
 */
const ARGON2: Options = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 64;

/**
 * argon2 runs on libuv's thread pool, but it is CPU work: with every core hashing, the event
 * loop starves and every other request waits. At most one hash per core but one runs at a
 * time; the rest queue.
 */
const HASH_SLOTS = Math.max(1, availableParallelism() - 1);
let running = 0;
const waiting: (() => void)[] = [];

async function limited<T>(work: () => Promise<T>): Promise<T> {
  if (running >= HASH_SLOTS) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await work();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

export function hashPassword(password: string): Promise<string> {
  return limited(() => argon2Hash(password, ARGON2));
}

export interface PasswordCheck {
  readonly ok: boolean;
  /** The stored hash is of an older kind (crypt) or weaker settings: store a new one. */
  readonly rehash: boolean;
}

const CRYPT = /^\$(5|6)\$(?:rounds=\d+\$)?[^$]{1,16}\$[./0-9A-Za-z]+$/;

function argon2Current(stored: string): boolean {
  return stored.startsWith(
    `$argon2id$v=19$m=${String(ARGON2.memoryCost)},t=${String(ARGON2.timeCost)},p=${String(ARGON2.parallelism)}$`,
  );
}

export async function verifyPassword(stored: string, password: string): Promise<PasswordCheck> {
  if (stored.startsWith('$argon2')) {
    let ok: boolean;
    try {
      ok = await limited(() => argon2Verify(stored, password));
    } catch {
      ok = false;
    }
    return { ok, rehash: ok && !argon2Current(stored) };
  }
  if (CRYPT.test(stored)) {
    const salt = stored.slice(0, stored.lastIndexOf('$'));
    const computed = Buffer.from(cryptEncrypt(password, salt));
    const expected = Buffer.from(stored);
    const ok = computed.length === expected.length && timingSafeEqual(computed, expected);
    return { ok, rehash: ok };
  }
  return { ok: false, rehash: false };
}
