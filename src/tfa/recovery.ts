/**
 * Recovery keys as Proxmox makes and checks them: 10 single-use keys of 8 random bytes, shown
 * once as `xxxx-xxxx-xxxx-xxxx`, stored as HMAC-SHA256 keyed with the set's 16-hex-digit
 * secret (the text, not its bytes); a used key's slot becomes null so the others keep their
 * numbers.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { RecoveryKeys } from '../model/tfa.js';

export function recoveryHash(secret: string, key: string): string {
  return createHmac('sha256', Buffer.from(secret, 'ascii')).update(key, 'utf8').digest('hex');
}

/** A new set: the keys to show once, and what is stored. */
export function generateRecoveryKeys(now: number): { keys: string[]; stored: RecoveryKeys } {
  const secret = randomBytes(8).toString('hex');
  const bytes = randomBytes(80);
  const keys = Array.from({ length: 10 }, (_, i) =>
    (
      bytes
        .subarray(i * 8, i * 8 + 8)
        .toString('hex')
        .match(/.{4}/g) ?? []
    ).join('-'),
  );
  return {
    keys,
    stored: { secret, entries: keys.map((k) => recoveryHash(secret, k)), created: now },
  };
}

/** The slot of an unused key matching `key` exactly, or `undefined`. */
export function findRecoveryKey(stored: RecoveryKeys, key: string): number | undefined {
  const hash = Buffer.from(recoveryHash(stored.secret, key), 'hex');
  let found: number | undefined;
  stored.entries.forEach((entry, index) => {
    if (entry === null) return;
    const candidate = Buffer.from(entry, 'hex');
    if (candidate.length === hash.length && timingSafeEqual(candidate, hash)) found ??= index;
  });
  return found;
}

/** The slots still usable, as the login challenge lists them. */
export function availableRecoveryKeys(stored: RecoveryKeys): number[] {
  return stored.entries.flatMap((entry, index) => (entry === null ? [] : [index]));
}
