/**
 * What this process knows of the tasks and scheduled jobs in the store, kept in memory: read once, then
 * followed through the live view's change batches (and caught up after the view reloads), so that a client polling a task's status
 * every second costs a map lookup, not a read of the whole store. Records and logs of every
 * node are here (the store is shared), bounded by the retention the writers keep
 * ({@link TASK_LIMITS}).
 */
import type { ChangeBatch, ConfigStore, StoreSnapshot } from '../../store/config-store.js';
import type { LiveAccess } from '../../store/live.js';
import {
  HEARTBEAT_PREFIX,
  JOB_PREFIX,
  JOB_STATE_PREFIX,
  parseTaskLogKey,
  TASK_LOG_PREFIX,
  TASK_PREFIX,
} from '../../store/task-keys.js';
import { decodeTaskRecord, TASK_LIMITS, type TaskRecord } from './records.js';

export class TaskIndex {
  private readonly records = new Map<string, TaskRecord>();
  private readonly revisions = new Map<string, number>();
  private readonly chunks = new Map<string, Map<number, readonly string[]>>();
  /** Node name to the clock of its last heartbeat (milliseconds, 0 when unreadable). */
  private readonly heartbeatNodes = new Map<string, number>();
  private readonly jobValues = new Map<string, { value: string; revision: number }>();
  private readonly jobStateValues = new Map<string, { value: string; revision: number }>();
  private readonly listeners = new Set<(record: TaskRecord) => void>();
  private buffered: ChangeBatch[] | undefined = [];
  private loading: Promise<void> | undefined;

  constructor(
    private readonly store: ConfigStore,
    live: Pick<LiveAccess, 'onBatch' | 'onResync'>,
  ) {
    live.onBatch((batch) => {
      if (this.buffered) this.buffered.push(batch);
      else this.apply(batch);
    });
    // Not yet read: the first read will see what the reload saw.
    live.onResync((fresh) => {
      if (!this.buffered) this.resync(fresh);
    });
  }

  /** Resolves once the store's tasks are read (the first call reads them). */
  ready(): Promise<void> {
    this.loading ??= this.load().catch((err: unknown) => {
      this.loading = undefined;
      throw err;
    });
    return this.loading;
  }

  /** Calls `listener` with every task record written after the index was read. */
  onRecord(listener: (record: TaskRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get(upid: string): TaskRecord | undefined {
    return this.records.get(upid);
  }

  /** The store revision of the task's record (0 when unknown), for conditioned writes. */
  revision(upid: string): number {
    return this.revisions.get(upid) ?? 0;
  }

  get size(): number {
    return this.records.size;
  }

  /** Every task, newest first (by start time, then UPID, as Proxmox's index reads back). */
  all(): TaskRecord[] {
    return [...this.records.values()].sort(
      (a, b) => b.starttime - a.starttime || (a.upid < b.upid ? 1 : a.upid > b.upid ? -1 : 0),
    );
  }

  /** The task's log lines so far. */
  log(upid: string): string[] {
    const chunks = this.chunks.get(upid);
    if (!chunks) return [];
    return [...chunks.entries()].sort(([a], [b]) => a - b).flatMap(([, lines]) => lines);
  }

  /** The stored jobs (id to JSON text and revision). */
  get jobs(): ReadonlyMap<string, { readonly value: string; readonly revision: number }> {
    return this.jobValues;
  }

  /** The stored job states (id to JSON text and revision). */
  get jobStates(): ReadonlyMap<string, { readonly value: string; readonly revision: number }> {
    return this.jobStateValues;
  }

  /** When the node's last heartbeat was written by its clock (ms), if it has one. */
  heartbeat(node: string): number | undefined {
    return this.heartbeatNodes.get(node);
  }

  /** Node names the store knows: from heartbeats and from tasks. */
  knowsNode(node: string): boolean {
    if (this.heartbeatNodes.has(node)) return true;
    for (const record of this.records.values()) if (record.node === node) return true;
    return false;
  }

  private async load(): Promise<void> {
    const snapshot = await this.store.snapshot();
    for (const [key, entry] of snapshot.entries) this.set(key, entry.value, entry.revision, false);
    const later = this.buffered ?? [];
    this.buffered = undefined;
    for (const batch of later) if (batch.revision > snapshot.revision) this.apply(batch);
  }

  /** Starts again from the whole store, announcing every task (an end may have been missed). */
  private resync(fresh: StoreSnapshot): void {
    this.records.clear();
    this.revisions.clear();
    this.chunks.clear();
    this.heartbeatNodes.clear();
    this.jobValues.clear();
    this.jobStateValues.clear();
    for (const [key, entry] of fresh.entries) this.set(key, entry.value, entry.revision, true);
  }

  private apply(batch: ChangeBatch): void {
    for (const change of batch.changes) this.set(change.key, change.value, batch.revision, true);
  }

  private set(key: string, value: string | undefined, revision: number, announce: boolean): void {
    if (key.startsWith(TASK_PREFIX)) {
      const upid = key.slice(TASK_PREFIX.length);
      const record = value === undefined ? undefined : decodeTaskRecord(value);
      if (!record) {
        this.records.delete(upid);
        this.revisions.delete(upid);
        return;
      }
      this.records.set(upid, record);
      this.revisions.set(upid, revision);
      if (announce) for (const listener of this.listeners) listener(record);
    } else if (key.startsWith(TASK_LOG_PREFIX)) {
      const parsed = parseTaskLogKey(key);
      if (!parsed) return;
      let chunks = this.chunks.get(parsed.upid);
      if (value === undefined) {
        chunks?.delete(parsed.chunk);
        if (chunks?.size === 0) this.chunks.delete(parsed.upid);
        return;
      }
      const lines = decodeLines(value);
      if (!lines) return;
      // A chunk beyond what a writer keeps (each holds a line at least) is nobody's.
      if (parsed.chunk >= TASK_LIMITS.MAX_LOG_LINES) return;
      if (!chunks) this.chunks.set(parsed.upid, (chunks = new Map<number, readonly string[]>()));
      chunks.set(parsed.chunk, lines);
    } else if (key.startsWith(HEARTBEAT_PREFIX)) {
      const node = key.slice(HEARTBEAT_PREFIX.length);
      if (value === undefined) this.heartbeatNodes.delete(node);
      else this.heartbeatNodes.set(node, heartbeatTime(value));
    } else if (key.startsWith(JOB_PREFIX) || key.startsWith(JOB_STATE_PREFIX)) {
      const job = key.startsWith(JOB_PREFIX);
      const map = job ? this.jobValues : this.jobStateValues;
      const id = key.slice((job ? JOB_PREFIX : JOB_STATE_PREFIX).length);
      if (value === undefined) map.delete(id);
      else map.set(id, { value, revision });
    }
  }
}

function decodeLines(value: string): string[] | undefined {
  try {
    const lines = JSON.parse(value) as unknown;
    return Array.isArray(lines) && lines.every((l) => typeof l === 'string') ? lines : undefined;
  } catch {
    return undefined;
  }
}

function heartbeatTime(value: string): number {
  try {
    const time = (JSON.parse(value) as { time?: unknown }).time;
    return typeof time === 'number' ? time : 0;
  } catch {
    return 0;
  }
}
