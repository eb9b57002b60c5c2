/**
 * Tessera's own keys, kept in the store so that every node signs and checks with the same
 * ones: the ticket key ring (Ed25519; the current private key and the previous public key)
 * and the site key the CSRF secret derives from.
 *
 * The ring rotates every 24 hours, as Proxmox's does: the first node to notice writes the
 * new ring under a revision condition (services/server-keys.ts), the others see it through
 * the watch. Without quorum
 * nobody can rotate; the overdue key keeps vouching for recent tickets only (ticket.ts).
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import type { AccessSnapshot } from '../store/snapshot.js';
import { csrfSecret } from './csrf.js';
import { CLOCK_SKEW, KEY_LIFETIME, type TicketKeyRing } from './ticket.js';

interface StoredRing {
  readonly current: { readonly private: string; readonly created: number };
  readonly previous?: { readonly public: string; readonly created: number };
}

export interface ServerKeys {
  readonly ring: TicketKeyRing;
  /** The CSRF secret derived from the site key. */
  readonly csrfSecret: string;
}

const cache = new Map<string, ServerKeys>();
// Every request asks; a snapshot's keys never change, so the answer is kept per snapshot.
const bySnapshot = new WeakMap<AccessSnapshot, ServerKeys | undefined>();

/** The keys of a snapshot, or `undefined` if they have not been made yet. */
export function serverKeys(snapshot: AccessSnapshot): ServerKeys | undefined {
  if (bySnapshot.has(snapshot)) return bySnapshot.get(snapshot);
  const keys = decodeKeys(snapshot);
  bySnapshot.set(snapshot, keys);
  return keys;
}

function decodeKeys(snapshot: AccessSnapshot): ServerKeys | undefined {
  const ringText = snapshot.serverKeys.get('ticket');
  const site = snapshot.serverKeys.get('csrf');
  if (ringText === undefined || site === undefined) return undefined;
  const cacheKey = `${ringText}\n${site}`;
  let keys = cache.get(cacheKey);
  if (!keys) {
    keys = { ring: decodeRing(ringText), csrfSecret: csrfSecret(decodeSite(site)) };
    cache.clear();
    cache.set(cacheKey, keys);
  }
  return keys;
}

function decodeRing(text: string): TicketKeyRing {
  const stored = JSON.parse(text) as StoredRing;
  const privateKey: KeyObject = createPrivateKey(stored.current.private);
  return {
    current: {
      privateKey,
      publicKey: createPublicKey(privateKey),
      created: stored.current.created,
    },
    ...(stored.previous
      ? {
          previous: {
            publicKey: createPublicKey(stored.previous.public),
            created: stored.previous.created,
          },
        }
      : {}),
  };
}

function decodeSite(text: string): Buffer {
  return Buffer.from((JSON.parse(text) as { key: string }).key, 'base64');
}

function newPrivateKey(): string {
  return generateKeyPairSync('ed25519')
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
}

function rotationDue(stored: StoredRing, now: number): boolean {
  const age = now - stored.current.created;
  return age >= KEY_LIFETIME || age < -CLOCK_SKEW;
}

/**
 * The keys to write: new ones if the store has none, a rotated ticket ring when rotation is
 * due; nothing otherwise. (services/server-keys.ts writes them under a revision condition.)
 */
export function dueKeyWrites(
  snapshot: AccessSnapshot,
  now: number,
): { readonly name: 'csrf' | 'ticket'; readonly value: string }[] {
  const writes: { name: 'csrf' | 'ticket'; value: string }[] = [];
  if (!snapshot.serverKeys.has('csrf'))
    writes.push({
      name: 'csrf',
      value: JSON.stringify({ key: randomBytes(32).toString('base64'), created: now }),
    });
  const text = snapshot.serverKeys.get('ticket');
  const stored = text === undefined ? undefined : (JSON.parse(text) as StoredRing);
  if (!stored || rotationDue(stored, now)) {
    const ring: StoredRing = {
      current: { private: newPrivateKey(), created: now },
      ...(stored
        ? {
            previous: {
              public: createPublicKey(stored.current.private)
                .export({ type: 'spki', format: 'pem' })
                .toString(),
              created: now,
            },
          }
        : {}),
    };
    writes.push({ name: 'ticket', value: JSON.stringify(ring) });
  }
  return writes;
}
