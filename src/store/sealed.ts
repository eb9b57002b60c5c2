/**
 * Secrets sealed at rest: a store wrapper that encrypts the values of secret keys
 * (codec.ts `isSecretKey`) with AES-256-GCM before they reach the SQLite file or etcd, and
 * opens them when they are read or watched. The key is kept outside the store
 * (store-key.ts); the key name is the additional data, so a sealed value moved to another
 * key does not open. Everything above the store sees plain values.
 *
 * A sealed value is `$sealed$1$<key id>$<base64 of nonce, ciphertext and tag>`; stored JSON
 * starts with `{`, so values written by earlier versions are told apart and read as they
 * are until {@link SealedStore.sealPlainSecrets} seals them.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { TesseraError } from '../errors.js';
import type { Diagnostic } from '../formats/diagnostics.js';
import { isSecretKey } from './codec.js';
import type {
  Change,
  ChangeBatch,
  Condition,
  ConfigStore,
  Operation,
  StoreEntry,
  StoreSnapshot,
  WatchListener,
} from './config-store.js';
import type { StoreKey, StoreKeySource } from './store-key.js';

const PREFIX = '$sealed$1$';
const NONCE = 12;
const TAG = 16;

export function isSealed(value: string): boolean {
  return value.startsWith(PREFIX);
}

/** The id of the store key a sealed value was sealed with, or `undefined` for a plain value. */
export function sealedKeyId(value: string): string | undefined {
  if (!isSealed(value)) return undefined;
  const rest = value.slice(PREFIX.length);
  const dollar = rest.indexOf('$');
  return dollar < 0 ? rest : rest.slice(0, dollar);
}

export function seal(key: StoreKey, name: string, value: string): string {
  const nonce = randomBytes(NONCE);
  const cipher = createCipheriv('aes-256-gcm', key.bytes, nonce);
  cipher.setAAD(Buffer.from(name, 'utf8'));
  const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
  return `${PREFIX}${key.id}$${Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64')}`;
}

/** Why a sealed value did not open: a key problem stops everything, a damaged value not. */
class DamagedValue extends Error {}

export function unseal(
  key: StoreKey | undefined,
  where: string,
  name: string,
  value: string,
): string {
  const rest = value.slice(PREFIX.length);
  const dollar = rest.indexOf('$');
  const id = dollar < 0 ? '' : rest.slice(0, dollar);
  if (key === undefined)
    throw new TesseraError(
      'store_unavailable',
      `the store holds secrets sealed with key ${id}, and the store key ${where} is missing: ` +
        'restore it from the backup of this node or from another node of the cluster',
    );
  if (id !== key.id)
    throw new TesseraError(
      'store_unavailable',
      `the store holds secrets sealed with key ${id}, but the store key ${where} is key ${key.id}: ` +
        'this node was given another key than the one that wrote the store',
    );
  const raw = Buffer.from(rest.slice(dollar + 1), 'base64');
  if (raw.length < NONCE + TAG) throw new DamagedValue(`sealed value of ${name} is truncated`);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.bytes, raw.subarray(0, NONCE));
    decipher.setAAD(Buffer.from(name, 'utf8'));
    decipher.setAuthTag(raw.subarray(raw.length - TAG));
    return Buffer.concat([
      decipher.update(raw.subarray(NONCE, raw.length - TAG)),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    throw new DamagedValue(`sealed value of ${name} does not open: it was altered or damaged`);
  }
}

export class SealedStore implements ConfigStore {
  private key: StoreKey | undefined;

  constructor(
    private readonly inner: ConfigStore,
    private readonly keys: StoreKeySource,
  ) {}

  get url(): string {
    return this.inner.url;
  }

  get writable(): boolean {
    return this.inner.writable;
  }

  /** Where the store key is, for messages and `doctor`. */
  get keyLocation(): string {
    return this.keys.where;
  }

  async snapshot(): Promise<StoreSnapshot> {
    const read = await this.inner.snapshot();
    const entries = new Map<string, StoreEntry>();
    const diagnostics: Diagnostic[] = [...read.diagnostics];
    for (const [name, entry] of read.entries) {
      if (!isSealed(entry.value)) {
        entries.set(name, entry);
        continue;
      }
      try {
        entries.set(name, { value: this.open(name, entry.value), revision: entry.revision });
      } catch (err) {
        if (!(err instanceof DamagedValue)) throw err;
        diagnostics.push({ file: name, line: 0, severity: 'error', message: err.message });
      }
    }
    return { revision: read.revision, entries, diagnostics };
  }

  transact(conditions: readonly Condition[], operations: readonly Operation[]): Promise<number> {
    try {
      return this.inner.transact(
        conditions,
        operations.map((operation) =>
          operation.op === 'put' && isSecretKey(operation.key)
            ? { ...operation, value: seal(this.sealingKey(), operation.key, operation.value) }
            : operation,
        ),
      );
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  watch(fromRevision: number, listener: WatchListener): () => void {
    return this.inner.watch(fromRevision, {
      onChanges: (batch) => {
        let opened: ChangeBatch;
        try {
          opened = {
            revision: batch.revision,
            changes: batch.changes.map((c) => this.openChange(c)),
          };
        } catch (err) {
          // A value this node cannot open: a full read names the problem and retries.
          listener.onReset(err instanceof Error ? err.message : String(err));
          return;
        }
        listener.onChanges(opened);
      },
      onReset: (reason) => {
        listener.onReset(reason);
      },
    });
  }

  async canWrite(): Promise<void> {
    await this.inner.canWrite?.();
  }

  async scrub(): Promise<void> {
    await this.inner.scrub?.();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /**
   * Seals the secrets an earlier version stored in plain text, in one transaction
   * conditioned on their revisions; returns how many. The store's history drops the plain
   * values as they are replaced.
   */
  async sealPlainSecrets(): Promise<number> {
    const read = await this.inner.snapshot();
    const plain = [...read.entries].filter(
      ([name, entry]) => isSecretKey(name) && !isSealed(entry.value),
    );
    if (plain.length === 0) return 0;
    await this.transact(
      plain.map(([name, entry]) => ({ key: name, revision: entry.revision })),
      plain.map(([name, entry]) => ({ op: 'put', key: name, value: entry.value })),
    );
    await this.scrub();
    return plain.length;
  }

  /** Read again while there is none: another process sharing the store may have made it. */
  private loadKey(): StoreKey | undefined {
    return (this.key ??= this.keys.load());
  }

  private sealingKey(): StoreKey {
    return this.loadKey() ?? (this.key = this.keys.create());
  }

  private open(name: string, value: string): string {
    return unseal(this.loadKey(), this.keys.where, name, value);
  }

  private openChange(change: Change): Change {
    return change.value !== undefined && isSealed(change.value)
      ? { key: change.key, value: this.open(change.key, change.value) }
      : change;
  }
}
