/**
 * API token secrets at rest. Proxmox keeps them in plain text in priv/token.cfg; Tessera
 * keeps only a salted HMAC-SHA-256 of each, so a leaked store does not hand out working
 * tokens. A secret is a random UUID (122 random bits), far beyond guessing, so a fast hash
 * is enough and token checks stay cheap on every request.
 */
import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

const SCHEME = '$hmac-sha256$';

/** A new secret in Proxmox's form (a UUID v4). */
export function generateTokenSecret(): string {
  return randomUUID();
}

export function hashTokenSecret(secret: string, salt: Buffer = randomBytes(16)): string {
  const digest = createHmac('sha256', salt).update(secret, 'utf8').digest();
  return `${SCHEME}${salt.toString('base64url')}$${digest.toString('base64url')}`;
}

export function isHashedTokenSecret(stored: string): boolean {
  return stored.startsWith(SCHEME);
}

/**
 * Constant-time check of a presented secret. The stored form is a hash, or the plain secret
 * when Tessera reads a Proxmox directory in place (the file holds it in plain text anyway).
 */
export function verifyTokenSecret(stored: string, presented: string): boolean {
  if (!isHashedTokenSecret(stored)) {
    const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();
    return timingSafeEqual(digest(stored), digest(presented));
  }
  const [salt = '', digest = ''] = stored.slice(SCHEME.length).split('$');
  const expected = Buffer.from(digest, 'base64url');
  const actual = createHmac('sha256', Buffer.from(salt, 'base64url'))
    .update(presented, 'utf8')
    .digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
