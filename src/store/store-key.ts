/**
 * The key that seals secrets in the store (see sealed.ts), kept outside the store so that a
 * copy of the SQLite file or of the etcd keys alone reveals no secret. It is 32 random bytes
 * written as 64 hex digits, read from the first of:
 *
 * 1. `$CREDENTIALS_DIRECTORY/tessera-store-key`: a systemd credential (`LoadCredential=` or
 *    `LoadCredentialEncrypted=`); never created by Tessera;
 * 2. `$TESSERA_STORE_KEY_FILE`: a file named explicitly (every node of an etcd cluster
 *    needs the same key);
 * 3. `store.key` next to the SQLite database, or in the data directory for etcd.
 *
 * A file is created (mode 0600) when a secret is first written and none exists; it is never
 * replaced.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { TesseraError } from '../errors.js';

export const KEY_FILE_NAME = 'store.key';
export const CREDENTIAL_NAME = 'tessera-store-key';

export interface StoreKey {
  readonly bytes: Buffer;
  /** 8 hex digits that name the key in sealed values and messages, revealing nothing of it. */
  readonly id: string;
}

export interface StoreKeySource {
  /** Where the key is, for messages. */
  readonly where: string;
  /** The key, or `undefined` when there is none yet. */
  load(): StoreKey | undefined;
  /** Makes the key where there is none (refused for a systemd credential). */
  create(): StoreKey;
}

function keyOf(bytes: Buffer): StoreKey {
  const id = createHash('sha256').update('tessera store key id\0').update(bytes).digest('hex');
  return { bytes, id: id.slice(0, 8) };
}

function keyError(where: string, reason: string): TesseraError {
  return new TesseraError('store_unavailable', `store key ${where}: ${reason}`);
}

function parseKey(where: string, text: string): StoreKey {
  const hex = text.trim();
  if (!/^[0-9a-fA-F]{64}$/.test(hex))
    throw keyError(where, 'expected 64 hex digits (32 bytes), as `openssl rand -hex 32` makes');
  return keyOf(Buffer.from(hex, 'hex'));
}

function readKeyFile(path: string): StoreKey | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw keyError(path, err instanceof Error ? err.message : String(err));
  }
  return parseKey(path, text);
}

/** A key file, created owner-only when first needed. */
export function keyFile(path: string): StoreKeySource {
  return {
    where: path,
    load: () => readKeyFile(path),
    create: () => {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      // Written aside and linked into place: a reader never sees half a key, and of two
      // processes creating one at once, the second takes the first one's.
      const aside = `${path}.${String(process.pid)}.${randomBytes(4).toString('hex')}`;
      const fd = openSync(aside, 'wx', 0o600);
      try {
        writeSync(fd, `${randomBytes(32).toString('hex')}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      try {
        linkSync(aside, path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
          throw keyError(path, err instanceof Error ? err.message : String(err));
      } finally {
        unlinkSync(aside);
      }
      const made = readKeyFile(path);
      if (!made) throw keyError(path, 'vanished right after it was written');
      return made;
    },
  };
}

/** A systemd credential: read only. */
export function credential(path: string): StoreKeySource {
  return {
    where: `${path} (systemd credential)`,
    load: () => readKeyFile(path),
    create: () => {
      throw keyError(path, 'the systemd credential is missing; Tessera does not create it');
    },
  };
}

/**
 * Where the key of a store is: the systemd credential when systemd passed one, the file
 * `$TESSERA_STORE_KEY_FILE` names, or `store.key` in `directory`.
 */
export function storeKeySource(
  directory: string,
  env: NodeJS.ProcessEnv = process.env,
): StoreKeySource {
  const credentials = env['CREDENTIALS_DIRECTORY'];
  if (credentials !== undefined && credentials !== '') {
    const path = join(credentials, CREDENTIAL_NAME);
    try {
      readFileSync(path);
      return credential(path);
    } catch {
      // Credentials for other services, not this one: fall through.
    }
  }
  const named = env['TESSERA_STORE_KEY_FILE'];
  if (named !== undefined && named !== '') return keyFile(named);
  return keyFile(join(directory, KEY_FILE_NAME));
}
