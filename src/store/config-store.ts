/**
 * The configuration store: keyed entities (`users/alice@pve`, `acl//vms/100`, ...) with one
 * global revision that every committed transaction increases. Each adapter (SQLite, etcd,
 * memory, a read-only Proxmox directory) implements this interface; everything above it
 * reads snapshots and writes transactions, never files or databases.
 */
import type { Diagnostic } from '../formats/diagnostics.js';

export interface StoreEntry {
  readonly value: string;
  /** The revision that last changed this key. */
  readonly revision: number;
}

/** Every key of the store at one revision. */
export interface StoreSnapshot {
  readonly revision: number;
  readonly entries: ReadonlyMap<string, StoreEntry>;
  /** What the adapter noticed while reading (a Proxmox file's problems, with line numbers). */
  readonly diagnostics: readonly Diagnostic[];
}

/** The key must be at this revision; 0 means the key must not exist. */
export interface Condition {
  readonly key: string;
  readonly revision: number;
}

export type Operation =
  | { readonly op: 'put'; readonly key: string; readonly value: string }
  | { readonly op: 'delete'; readonly key: string };

/** One key after a change; `value` is `undefined` when the key was deleted. */
export interface Change {
  readonly key: string;
  readonly value: string | undefined;
}

/** The changes of one committed revision. */
export interface ChangeBatch {
  readonly revision: number;
  readonly changes: readonly Change[];
}

export interface WatchListener {
  /** Batches arrive in revision order, each exactly once. */
  onChanges(batch: ChangeBatch): void;
  /**
   * The store can no longer replay changes from where the watcher stands (history was
   * compacted, or the watch broke); the watcher must read a fresh snapshot.
   */
  onReset(reason: string): void;
}

export interface ConfigStore {
  /** The `--store` URL, with any secret left out. */
  readonly url: string;
  /** False for stores that can never take writes (a Proxmox directory). */
  readonly writable: boolean;
  /**
   * API token secrets are kept as the secret itself, as Proxmox keeps them in
   * priv/token.cfg, which a node's /etc/pve written live must stay readable for: Proxmox
   * compares the plain secret. Every other store keeps only a salted hash.
   */
  readonly plainTokenSecrets?: boolean;
  snapshot(): Promise<StoreSnapshot>;
  /**
   * Applies the operations atomically if every condition holds and returns the new
   * revision. A failed condition throws `conflict`; a store that cannot take writes now
   * throws `store_read_only`.
   */
  transact(conditions: readonly Condition[], operations: readonly Operation[]): Promise<number>;
  /** Reports every change after `fromRevision` until the returned function is called. */
  watch(fromRevision: number, listener: WatchListener): () => void;
  /**
   * Drops what the adapter keeps of replaced values outside its change history (SQLite's
   * write-ahead log). Optional: adapters without such copies leave it out.
   */
  scrub?(): Promise<void>;
  /**
   * Resolves when a write would be taken now, without writing anything (the write lock is
   * taken and released, or quorum confirmed); rejects as `transact` would. For `doctor`,
   * which must leave the store as it found it. Optional: without it a store is assumed to
   * take writes when `writable`.
   */
  canWrite?(): Promise<void>;
  close(): Promise<void>;
}

/** The condition that a key is exactly as in the snapshot (absent keys at revision 0). */
export function unchanged(snapshot: StoreSnapshot, key: string): Condition {
  return { key, revision: snapshot.entries.get(key)?.revision ?? 0 };
}

/** Collapses operations on the same key to the last one, keeping first-seen order. */
export function lastOperationPerKey(operations: readonly Operation[]): Operation[] {
  const byKey = new Map<string, Operation>();
  for (const operation of operations) {
    byKey.delete(operation.key);
    byKey.set(operation.key, operation);
  }
  return [...byKey.values()];
}
