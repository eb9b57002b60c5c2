/**
 * The CSRF prevention token of Proxmox: `<HEX8 time>:<base64 HMAC-SHA256>` over
 * `<HEX8>:<userid>`, keyed with a secret derived from the site key. Proxmox derives that
 * secret as HMAC-SHA256 keyed with the whole key file over the empty string (Perl's
 * one-argument `hmac_sha256_base64` takes its argument as the key); Tessera does the same
 * with its own site key, so the tokens have Proxmox's exact shape.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { CLOCK_SKEW, hex8, TICKET_LIFETIME } from './ticket.js';

const b64 = (digest: Buffer): string => digest.toString('base64').replace(/=+$/, '');

/** The CSRF secret of a site key (the contents of Proxmox's pve-www.key, newline included). */
export function csrfSecret(siteKey: string | Buffer): string {
  return b64(createHmac('sha256', siteKey).update('').digest());
}

function digest(secret: string, stamp: string, userid: string): string {
  return b64(createHmac('sha256', secret).update(`${stamp}:${userid}`).digest());
}

export function csrfToken(secret: string, userid: string, now: number): string {
  const stamp = hex8(now);
  return `${stamp}:${digest(secret, stamp, userid)}`;
}

export function verifyCsrfToken(
  secret: string,
  userid: string,
  token: string,
  now: number,
): boolean {
  const match = /^([A-Z0-9]{8}):(\S+)$/.exec(token);
  if (!match) return false;
  const [, stamp = '', given = ''] = match;
  const expected = Buffer.from(digest(secret, stamp, userid));
  const actual = Buffer.from(given);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return false;
  const age = now - parseInt(stamp, 16);
  return age > -CLOCK_SKEW && age < TICKET_LIFETIME;
}
