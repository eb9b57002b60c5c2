/**
 * The configuration a running process works from: the newest {@link AccessSnapshot} its
 * store has reported, swapped whole when the watch brings a change (the permission engine
 * follows it: permissions/current.ts). Readers always see one consistent revision; while the store is unreachable or without quorum they go on seeing the last one.
 */
import { SnapshotAssembler } from './assemble.js';
import { parseKey } from './codec.js';
import type { ChangeBatch, ConfigStore, StoreSnapshot } from './config-store.js';
import type { AccessSnapshot } from './snapshot.js';

export interface LiveOptions {
  /** Told when a watch broke or replay was impossible and a full reload happened or failed. */
  readonly onReload?: (reason: string, error?: unknown) => void;
}

interface Waiter {
  readonly revision: number;
  readonly resolve: (snapshot: AccessSnapshot) => void;
}

export class LiveAccess {
  private assembler: SnapshotAssembler;
  private current: AccessSnapshot;
  private stopWatch: () => void = () => undefined;
  private pending: ChangeBatch[] = [];
  private waiters: Waiter[] = [];
  private readonly listeners = new Set<(snapshot: AccessSnapshot) => void>();
  private readonly batchListeners = new Set<(batch: ChangeBatch) => void>();
  private readonly resyncListeners = new Set<(fresh: StoreSnapshot) => void>();
  private closed = false;

  private constructor(
    readonly store: ConfigStore,
    assembler: SnapshotAssembler,
    revision: number,
    private readonly options: LiveOptions,
  ) {
    this.assembler = assembler;
    this.current = assembler.build(revision);
  }

  static async open(store: ConfigStore, options: LiveOptions = {}): Promise<LiveAccess> {
    const first = await store.snapshot();
    const live = new LiveAccess(store, SnapshotAssembler.from(first), first.revision, options);
    live.follow(first.revision);
    return live;
  }

  get snapshot(): AccessSnapshot {
    return this.current;
  }

  /** Calls `listener` with every new snapshot; returns the unsubscribe function. */
  onChange(listener: (snapshot: AccessSnapshot) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Calls `listener` with every batch of changes the watch brings, keys of every kind (the
   * throttle's records, for one); returns the unsubscribe function.
   */
  onBatch(listener: (batch: ChangeBatch) => void): () => void {
    this.batchListeners.add(listener);
    return () => this.batchListeners.delete(listener);
  }

  /**
   * Calls `listener` with the whole store after a reload: batches between the broken watch
   * and the reload never arrive, so whoever follows batches must catch up from it.
   */
  onResync(listener: (fresh: StoreSnapshot) => void): () => void {
    this.resyncListeners.add(listener);
    return () => this.resyncListeners.delete(listener);
  }

  /**
   * The snapshot at `revision` or later, once the watch has brought it: what a writer awaits
   * so that it reads its own write.
   */
  waitForRevision(revision: number, timeoutMs = 5_000): Promise<AccessSnapshot> {
    if (this.current.revision >= revision) return Promise.resolve(this.current);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(
          new Error(`revision ${String(revision)} did not arrive within ${String(timeoutMs)} ms`),
        );
      }, timeoutMs);
      const waiter: Waiter = {
        revision,
        resolve: (snapshot) => {
          clearTimeout(timer);
          resolve(snapshot);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** Reads the whole store again (after a broken watch) and follows it from there. */
  async reload(reason: string): Promise<void> {
    this.stopWatch();
    this.pending = [];
    try {
      const fresh = await this.store.snapshot();
      if (this.closed) return;
      this.assembler = SnapshotAssembler.from(fresh);
      this.publish(this.assembler.build(fresh.revision));
      for (const listener of this.resyncListeners) listener(fresh);
      this.options.onReload?.(reason);
      this.follow(fresh.revision);
    } catch (err) {
      this.options.onReload?.(reason, err);
      if (this.closed) return;
      // Keep serving the last snapshot and try again shortly.
      setTimeout(() => void this.reload(reason), 1_000).unref();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopWatch();
    this.listeners.clear();
    this.batchListeners.clear();
    this.resyncListeners.clear();
    await this.store.close();
  }

  private follow(fromRevision: number): void {
    this.stopWatch = this.store.watch(fromRevision, {
      onChanges: (batch) => {
        // Batches that arrive together are applied together: one snapshot, not one each.
        if (this.pending.push(batch) === 1)
          queueMicrotask(() => {
            this.apply();
          });
      },
      onReset: (reason) => void this.reload(reason),
    });
  }

  private apply(): void {
    const batches = this.pending;
    this.pending = [];
    const last = batches[batches.length - 1];
    if (!last || this.closed) return;
    let relevant = false;
    for (const batch of batches) {
      for (const listener of this.batchListeners) listener(batch);
      for (const change of batch.changes) {
        if (parseKey(change.key) === undefined) continue;
        relevant = true;
        this.assembler.set(change.key, change.value, batch.revision);
      }
    }
    // Keys of no access kind (audit events, node heartbeats) move the revision only: the same
    // configuration objects stay, and so does the permission engine compiled from them.
    this.publish(
      relevant ? this.assembler.build(last.revision) : { ...this.current, revision: last.revision },
    );
  }

  private publish(snapshot: AccessSnapshot): void {
    this.current = snapshot;
    const ready = this.waiters.filter((w) => w.revision <= snapshot.revision);
    this.waiters = this.waiters.filter((w) => w.revision > snapshot.revision);
    for (const waiter of ready) waiter.resolve(snapshot);
    for (const listener of this.listeners) listener(snapshot);
  }
}
