/**
 * `memory:`: a store that lives in one process and is gone when it exits. For tests and
 * one-shot commands; it has the same semantics as the persistent adapters.
 */
import { TesseraError } from '../errors.js';
import {
  lastOperationPerKey,
  type ChangeBatch,
  type Condition,
  type ConfigStore,
  type Operation,
  type StoreEntry,
  type StoreSnapshot,
  type WatchListener,
} from './config-store.js';

export class MemoryStore implements ConfigStore {
  readonly url = 'memory:';
  readonly writable = true;
  private revision = 0;
  private entries = new Map<string, StoreEntry>();
  private readonly history: ChangeBatch[] = [];
  private readonly listeners = new Set<WatchListener>();

  snapshot(): Promise<StoreSnapshot> {
    return Promise.resolve({
      revision: this.revision,
      entries: new Map(this.entries),
      diagnostics: [],
    });
  }

  canWrite(): Promise<void> {
    return Promise.resolve();
  }

  transact(conditions: readonly Condition[], operations: readonly Operation[]): Promise<number> {
    for (const condition of conditions) {
      const current = this.entries.get(condition.key)?.revision ?? 0;
      if (current !== condition.revision) return Promise.reject(conflictError(condition.key));
    }
    const revision = ++this.revision;
    const batch: ChangeBatch = {
      revision,
      changes: lastOperationPerKey(operations).map((operation) => {
        if (operation.op === 'put') {
          this.entries.set(operation.key, { value: operation.value, revision });
          return { key: operation.key, value: operation.value };
        }
        this.entries.delete(operation.key);
        return { key: operation.key, value: undefined };
      }),
    };
    this.history.push(batch);
    for (const listener of this.listeners)
      queueMicrotask(() => {
        listener.onChanges(batch);
      });
    return Promise.resolve(revision);
  }

  watch(fromRevision: number, listener: WatchListener): () => void {
    const missed = this.history.filter((batch) => batch.revision > fromRevision);
    queueMicrotask(() => {
      for (const batch of missed) listener.onChanges(batch);
    });
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): Promise<void> {
    this.listeners.clear();
    return Promise.resolve();
  }
}

export function conflictError(key: string): TesseraError {
  return new TesseraError('conflict', `'${key}' changed since it was read`);
}
