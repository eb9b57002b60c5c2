/**
 * Proxmox tickets: `<prefix>:[<data>:]<HEX8 time>::<base64 signature>`, where the signature
 * covers everything before `::` (plus `:<secret data>` when the ticket is bound to one, as
 * partial TFA tickets are bound to the user logging in).
 *
 * Tessera signs with Ed25519 keys; it also verifies RSA keys (PKCS#1 v1.5 with SHA-1, as
 * Proxmox signs, or SHA-256), so tickets of an imported Proxmox key stay valid until they
 * expire. The accepted age window follows Proxmox exactly, including its rule that a ticket
 * may not predate the key that signed it (see `window`).
 */
import { sign, verify, type KeyObject } from 'node:crypto';
import { decodeText } from '../model/text.js';

export interface TicketKey {
  readonly publicKey: KeyObject;
  /** Present for the key that signs; verifying keys need only the public half. */
  readonly privateKey?: KeyObject;
  /** Unix time the key was made (for the previous key: when it was replaced). */
  readonly created: number;
}

export interface TicketKeyRing {
  readonly current: TicketKey;
  /** The key before the last rotation; tickets it signed before then stay valid. */
  readonly previous?: TicketKey;
}

export interface VerifiedTicket {
  /** The data part, unescaped (a user id, or `!tfa!<challenge>` for a partial ticket). */
  readonly data: string;
  /** Seconds since the ticket was issued; negative for a ticket from a clock ahead. */
  readonly age: number;
}

/** How long a full ticket lives, and the clock skew Proxmox tolerates. */
export const TICKET_LIFETIME = 7200;
export const CLOCK_SKEW = 300;
export const KEY_LIFETIME = 86_400;

export function hex8(time: number): string {
  return Math.floor(time).toString(16).toUpperCase().padStart(8, '0');
}

/** Proxmox escapes only `:` in the data part. */
function escapeData(data: string): string {
  return data.replaceAll(':', '%3A');
}

function signBytes(key: KeyObject, text: string): Buffer {
  const data = Buffer.from(text, 'utf8');
  return key.asymmetricKeyType === 'ed25519' ? sign(null, data, key) : sign('sha1', data, key);
}

function signatureValid(key: KeyObject, text: string, signature: Buffer): boolean {
  const data = Buffer.from(text, 'utf8');
  if (key.asymmetricKeyType === 'ed25519') return verify(null, data, key, signature);
  return verify('sha1', data, key, signature) || verify('sha256', data, key, signature);
}

/** A ticket for `data` issued at `now`, signed with the ring's current key. */
export function signTicket(
  ring: TicketKeyRing,
  prefix: string,
  data: string | undefined,
  now: number,
  secretData?: string,
): string {
  const key = ring.current.privateKey;
  if (!key) throw new Error('the current ticket key has no private half');
  if (data !== undefined && /\s/.test(data))
    throw new Error('ticket data must not hold whitespace');
  const plain = `${prefix}:${data === undefined ? '' : `${escapeData(data)}:`}${hex8(now)}`;
  const signed = secretData === undefined ? plain : `${plain}:${secretData}`;
  return `${plain}::${signBytes(key, signed).toString('base64')}`;
}

/**
 * The (exclusive) bounds of a full ticket's age for the key that verified it, or
 * `undefined` when the key may not be used any more.
 */
function window(
  ring: TicketKeyRing,
  which: 'current' | 'previous',
  now: number,
): { min: number; max: number } | undefined {
  if (which === 'previous') {
    // Only tickets issued before the rotation (give or take the skew); a rotation dated in
    // the future counts as now, as in Proxmox.
    const sinceRotation = Math.max(0, now - (ring.previous?.created ?? 0));
    return { min: sinceRotation - CLOCK_SKEW, max: TICKET_LIFETIME };
  }
  const keyAge = Math.max(0, now - ring.current.created);
  let min = -CLOCK_SKEW;
  let max = TICKET_LIFETIME;
  // A ticket cannot be older than the key that signed it.
  if (keyAge < TICKET_LIFETIME) max = keyAge + CLOCK_SKEW;
  // A key past its lifetime (rotation overdue) only vouches for recent tickets.
  if (keyAge > KEY_LIFETIME) min = keyAge - KEY_LIFETIME;
  if (min > TICKET_LIFETIME) return undefined;
  return { min, max };
}

interface Parsed {
  readonly plain: string;
  readonly data: string;
  readonly issued: number;
  readonly signature: Buffer;
}

function parse(ticket: string, prefix: string): Parsed | undefined {
  if (!ticket.startsWith(`${prefix}:`) || /\s/.test(ticket)) return undefined;
  const split = ticket.lastIndexOf('::');
  if (split < 0) return undefined;
  const plain = ticket.slice(0, split);
  const signature = canonicalBase64(ticket.slice(split + 2));
  if (!signature) return undefined;
  const match = /^([^:]+):(?:(\S+):)?([A-Z0-9]{8})$/.exec(plain);
  if (match?.[1] !== prefix) return undefined;
  return {
    plain,
    data: match[2] ?? '',
    issued: parseInt(match[3] ?? '', 16),
    signature,
  };
}

/**
 * The bytes of a signature spelled exactly as Proxmox writes it (`encode_base64($sig, '')`:
 * the standard alphabet, padded, no line breaks), or `undefined`. Node's decoder, like Perl's,
 * skips what it does not know and ignores padding and trailing bits; a ticket with one valid
 * signature would have many spellings, so anything that does not re-encode to itself is refused.
 */
function canonicalBase64(text: string): Buffer | undefined {
  if (text === '' || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text))
    return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

function signedText(parsed: Parsed, secretData: string | undefined): string {
  return secretData === undefined ? parsed.plain : `${parsed.plain}:${secretData}`;
}

export interface VerifyOptions {
  readonly now: number;
  /** The secret data the ticket is bound to (the user id for partial TFA tickets). */
  readonly secretData?: string;
}

/**
 * Tickets whose signature has been checked, per ring: a ticket is presented with every
 * request, and a signature check costs far more than the rest. Only the signature result is
 * remembered; the age window is checked anew each time. Bounded: the oldest go first.
 */
interface Checked {
  readonly which: 'current' | 'previous';
  readonly data: string;
  readonly issued: number;
}
const verified = new WeakMap<TicketKeyRing, Map<string, Checked>>();
const CACHE_SIZE = 10_000;

/** A `PVE:` ticket, checked against the current key and then the previous one. */
export function verifyTicket(
  ring: TicketKeyRing,
  ticket: string,
  options: VerifyOptions,
): VerifiedTicket | undefined {
  const cacheable = options.secretData === undefined;
  let cache = cacheable ? verified.get(ring) : undefined;
  let hit = cache?.get(ticket);
  if (!hit) {
    const parsed = parse(ticket, 'PVE');
    if (!parsed) return undefined;
    const text = signedText(parsed, options.secretData);
    const which = (['current', 'previous'] as const).find((w) => {
      const key = ring[w];
      return key !== undefined && signatureValid(key.publicKey, text, parsed.signature);
    });
    if (which === undefined) return undefined;
    hit = { which, data: decodeText(parsed.data), issued: parsed.issued };
    if (cacheable) {
      if (!cache) verified.set(ring, (cache = new Map<string, Checked>()));
      if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value ?? '');
      cache.set(ticket, hit);
    }
  }
  const age = options.now - hit.issued;
  const bounds = window(ring, hit.which, options.now);
  if (!bounds || !(age > bounds.min && age < bounds.max)) return undefined;
  return { data: hit.data, age };
}

/**
 * Why a ticket was refused, for the audit log only (slow path: called after a refusal).
 * `not_yet_valid` means it was issued further in the future than the allowed clock skew:
 * the issuing node's clock is ahead of this one's.
 */
export function diagnoseTicket(
  ring: TicketKeyRing,
  ticket: string,
  now: number,
): {
  readonly problem: 'malformed' | 'signature' | 'expired' | 'not_yet_valid';
  readonly age?: number;
} {
  const parsed = parse(ticket, 'PVE');
  if (!parsed) return { problem: 'malformed' };
  const text = signedText(parsed, undefined);
  const valid = (['current', 'previous'] as const).some((w) => {
    const key = ring[w];
    return key !== undefined && signatureValid(key.publicKey, text, parsed.signature);
  });
  if (!valid) return { problem: 'signature' };
  const age = now - parsed.issued;
  if (age <= -CLOCK_SKEW) return { problem: 'not_yet_valid', age };
  return { problem: 'expired', age };
}

/**
 * A short-lived ticket bound to secret data (VNC and tunnel tickets): current key only, and
 * only while that key is within its lifetime.
 */
export function verifyScopedTicket(
  ring: TicketKeyRing,
  prefix: string,
  ticket: string,
  options: { now: number; secretData: string; minAge: number; maxAge: number },
): boolean {
  if (options.now - ring.current.created > KEY_LIFETIME) return false;
  const parsed = parse(ticket, prefix);
  if (!parsed) return false;
  const age = options.now - parsed.issued;
  return (
    signatureValid(
      ring.current.publicKey,
      signedText(parsed, options.secretData),
      parsed.signature,
    ) &&
    age > options.minAge &&
    age < options.maxAge
  );
}
