/**
 * A Proxmox VE cluster's ticket keys as Tessera's key ring: `priv/authkey.key` signs,
 * `authkey.pub` verifies and its mtime is the key's creation time (Proxmox's
 * `get_ticket_age_range` counts the key's age from it), `authkey.pub.old` is the key before
 * the last rotation and its mtime the rotation time, `pve-www.key` is the site key the CSRF
 * secret derives from. With these in the store Tessera signs and verifies exactly as the
 * cluster's nodes do.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { TesseraError } from '../errors.js';

/** One key file as read: its path (for messages), bytes and mtime in whole seconds. */
export interface KeyFile {
  readonly path: string;
  readonly bytes: Buffer;
  readonly mtime: number;
}

export interface ClusterKeyFiles {
  readonly privateKey: KeyFile;
  readonly publicKey: KeyFile;
  readonly oldPublicKey?: KeyFile;
  readonly siteKey: KeyFile;
}

/** The store values of a cluster's keys (`secrets/keys/ticket` and `secrets/keys/csrf`). */
export interface ClusterKeyValues {
  readonly ticket: string;
  readonly csrf: string;
  /** When authkey.pub was written: the current key's creation time. */
  readonly created: number;
}

/** Marks a ring as the cluster's: Tessera's own rotation leaves it to the cluster. */
export const CLUSTER_ORIGIN = 'pve';

// Proxmox makes 2048-bit keys; anything smaller is not a key a node wrote.
const MIN_RSA_BITS = 2048;
// pve-www.key is a PEM key of about 1.7 KiB; a large file is not the site key.
const MAX_SITE_KEY_BYTES = 64 * 1024;

function fileError(file: KeyFile, reason: string): TesseraError {
  return new TesseraError('config_invalid', `${file.path}: ${reason}`, { field: file.path });
}

function rsaKey(file: KeyFile, kind: 'private' | 'public'): KeyObject {
  let key: KeyObject;
  try {
    key = kind === 'private' ? createPrivateKey(file.bytes) : createPublicKey(file.bytes);
  } catch (err) {
    throw fileError(
      file,
      `expected an RSA ${kind} key in PEM form, as Proxmox writes it (${(err as Error).message})`,
    );
  }
  if (key.asymmetricKeyType !== 'rsa')
    throw fileError(
      file,
      `expected an RSA ${kind} key, found a ${key.asymmetricKeyType ?? 'unknown'} key`,
    );
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_BITS)
    throw fileError(file, `expected at least ${String(MIN_RSA_BITS)} bits, found ${String(bits)}`);
  return key;
}

function spki(key: KeyObject): string {
  return key.export({ type: 'spki', format: 'pem' }).toString();
}

/**
 * Checks the cluster's key files and encodes them for the store; an error names the file and
 * what is wrong with it.
 */
export function clusterKeyValues(files: ClusterKeyFiles): ClusterKeyValues {
  const privateKey = rsaKey(files.privateKey, 'private');
  const publicKey = rsaKey(files.publicKey, 'public');
  // Proxmox writes authkey.pub before priv/authkey.key: a mismatch is a rotation caught
  // half-way (or a wrong copy), and signing with the one but verifying with the other fails.
  if (spki(createPublicKey(privateKey)) !== spki(publicKey))
    throw fileError(files.publicKey, `not the public half of ${files.privateKey.path}`);
  const old = files.oldPublicKey;
  const oldKey = old === undefined ? undefined : rsaKey(old, 'public');
  const site = files.siteKey;
  if (site.bytes.length === 0) throw fileError(site, 'is empty');
  if (site.bytes.length > MAX_SITE_KEY_BYTES)
    throw fileError(
      site,
      `expected a key file of at most ${String(MAX_SITE_KEY_BYTES)} bytes, found ${String(site.bytes.length)}`,
    );
  const ring = {
    origin: CLUSTER_ORIGIN,
    current: {
      private: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      created: files.publicKey.mtime,
    },
    ...(old !== undefined && oldKey !== undefined
      ? { previous: { public: spki(oldKey), created: old.mtime } }
      : {}),
  };
  return {
    ticket: JSON.stringify(ring),
    // Proxmox keys the CSRF secret with the whole file, newline included: kept byte for byte.
    csrf: JSON.stringify({ origin: CLUSTER_ORIGIN, key: site.bytes.toString('base64') }),
    created: files.publicKey.mtime,
  };
}
