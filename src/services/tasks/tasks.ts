/**
 * Long operations as Proxmox runs them: a task with a UPID, its log written while it runs
 * (task-log.ts), and an end status recorded however it ends, all in the store, so that any
 * node sharing the store can answer for it (`/nodes/{node}/tasks`). The node that runs a task
 * is the one that writes it; a stop asked for elsewhere reaches it through the store.
 * A task left running by a process that is gone is marked `unexpected status` when its node
 * starts again ({@link TaskManager.recover}), as Proxmox reads a log without its end line.
 */
import { isTesseraError } from '../../errors.js';
import { encodeUpid } from '../../model/upid.js';
import type { ConfigStore, Operation } from '../../store/config-store.js';
import { TASK_LOG_PREFIX, TASK_PREFIX, taskKey } from '../../store/task-keys.js';
import { thisProcess, type ProcessIdentity } from './process.js';
import { encodeTaskRecord, TASK_LIMITS, decodeTaskRecord, type TaskRecord } from './records.js';
import type { TaskIndex } from './task-index.js';
import { TaskLogWriter } from './task-log.js';

export interface TaskSpec {
  /** Proxmox's worker type (`auth-realm-sync`). */
  readonly type: string;
  readonly id: string;
  /** The user or token that starts it. */
  readonly user: string;
}

export interface TaskRun {
  /** Adds a line (or several) to the task's log. */
  log(text: string): void;
  /** Aborted when someone stops the task. */
  readonly signal: AbortSignal;
}

export type TaskWorker = (run: TaskRun) => Promise<void>;

export interface StartedTask {
  readonly upid: string;
  /** The record as it ended. */
  readonly finished: Promise<TaskRecord>;
}

export interface TaskManagerOptions {
  /** The in-memory view of the store's tasks; without it (the command line) only writes. */
  readonly index?: TaskIndex;
  /** Resolves once this process sees `revision` (the live view), so a poll finds the task. */
  readonly committed?: (revision: number) => Promise<void>;
  /** Milliseconds; injected by tests. */
  readonly clock?: () => number;
  readonly process?: ProcessIdentity;
}

/** Proxmox's exit status of a task stopped on request. */
export const INTERRUPTED = 'interrupted by signal';

export class TaskManager {
  private readonly running = new Map<string, AbortController>();
  private readonly ending = new Set<Promise<TaskRecord>>();
  private readonly clock: () => number;
  private readonly identity: ProcessIdentity;
  private stopListening: (() => void) | undefined;

  constructor(
    readonly store: ConfigStore,
    readonly node: string,
    private readonly options: TaskManagerOptions = {},
  ) {
    this.clock = options.clock ?? Date.now;
    this.identity = options.process ?? thisProcess();
    // A stop asked for on another node arrives as a changed record, once the index is read.
    this.stopListening = options.index?.onRecord((record) => {
      if (record.stop === true) this.running.get(record.upid)?.abort();
    });
    options.index?.ready().catch(() => undefined);
  }

  get index(): TaskIndex | undefined {
    return this.options.index;
  }

  /** Tasks this process runs now. */
  get active(): number {
    return this.running.size;
  }

  /**
   * Starts `worker` as a task: its record is in the store when this resolves, the work goes
   * on in the background. `onLine` sees every line as it is logged (the command line prints it).
   */
  async start(
    spec: TaskSpec,
    worker: TaskWorker,
    onLine?: (line: string) => void,
  ): Promise<StartedTask> {
    // The index knows the UPIDs taken (and hears stops) only once it has read the store.
    await this.options.index?.ready();
    const { record, revision } = await this.create(spec);
    await this.options.committed?.(revision);
    const controller = new AbortController();
    this.running.set(record.upid, controller);
    const log = new TaskLogWriter(this.store, record.upid, onLine);
    const finished = this.run(record, worker, log, controller.signal).finally(() => {
      this.running.delete(record.upid);
      this.ending.delete(finished);
    });
    this.ending.add(finished);
    // Nobody may be waiting for the end (the API answered the UPID long ago).
    finished.catch(() => undefined);
    return { upid: record.upid, finished };
  }

  /** Stops a task: at once when it runs here, through its record when it runs elsewhere. */
  async stop(upid: string): Promise<void> {
    const local = this.running.get(upid);
    if (local) {
      local.abort();
      return;
    }
    const index = this.options.index;
    const record = index?.get(upid);
    if (index === undefined || record === undefined) return;
    if (record.endtime !== undefined || record.stop === true) return;
    try {
      await this.store.transact(
        [{ key: taskKey(upid), revision: index.revision(upid) }],
        [{ op: 'put', key: taskKey(upid), value: encodeTaskRecord({ ...record, stop: true }) }],
      );
    } catch (err) {
      // It ended meanwhile: nothing left to stop.
      if (!isTesseraError(err, 'conflict')) throw err;
    }
  }

  /**
   * Marks this node's tasks that no running process of it carries on as failed: they were
   * left running when Tessera stopped or crashed. Returns how many.
   */
  async recover(): Promise<number> {
    const snapshot = await this.store.snapshot();
    const operations: Operation[] = [];
    const conditions = [];
    const endtime = Math.floor(this.clock() / 1000);
    for (const [key, entry] of snapshot.entries) {
      if (!key.startsWith(TASK_PREFIX)) continue;
      const record = decodeTaskRecord(entry.value);
      if (record?.node !== this.node || record.endtime !== undefined) continue;
      if (this.running.has(record.upid)) continue;
      if (record.pid === this.identity.pid && record.pstart === this.identity.pstart) continue;
      conditions.push({ key, revision: entry.revision });
      operations.push({
        op: 'put',
        key,
        value: encodeTaskRecord({ ...record, endtime, status: 'unexpected status' }),
      });
    }
    for (let i = 0; i < operations.length; i += 50)
      await this.store.transact(conditions.slice(i, i + 50), operations.slice(i, i + 50));
    return operations.length;
  }

  /** Removes the oldest finished tasks (record and log) beyond {@link TASK_LIMITS.MAX_TASKS}. */
  async prune(): Promise<number> {
    const index = this.options.index;
    if (index && index.size <= TASK_LIMITS.MAX_TASKS) return 0;
    const snapshot = await this.store.snapshot();
    const records: TaskRecord[] = [];
    const logKeys = new Map<string, string[]>();
    for (const [key, entry] of snapshot.entries) {
      if (key.startsWith(TASK_PREFIX)) {
        const record = decodeTaskRecord(entry.value);
        if (record) records.push(record);
      } else if (key.startsWith(TASK_LOG_PREFIX)) {
        const upid = key.slice(TASK_LOG_PREFIX.length, key.lastIndexOf('/'));
        const keys = logKeys.get(upid) ?? [];
        keys.push(key);
        logKeys.set(upid, keys);
      }
    }
    if (records.length <= TASK_LIMITS.MAX_TASKS) return 0;
    records.sort((a, b) => a.starttime - b.starttime || (a.upid < b.upid ? -1 : 1));
    const excess = records.length - TASK_LIMITS.MAX_TASKS;
    const doomed = records.filter((r) => r.endtime !== undefined).slice(0, excess);
    for (const record of doomed)
      await this.store.transact(
        [],
        [taskKey(record.upid), ...(logKeys.get(record.upid) ?? [])].map((key) => ({
          op: 'delete' as const,
          key,
        })),
      );
    return doomed.length;
  }

  /** Stops every task this process runs and waits until their ends are recorded. */
  async close(): Promise<void> {
    this.stopListening?.();
    for (const controller of this.running.values()) controller.abort();
    await Promise.allSettled([...this.ending]);
  }

  private async create(spec: TaskSpec): Promise<{ record: TaskRecord; revision: number }> {
    let starttime = Math.floor(this.clock() / 1000);
    // One process runs every task under one pid, where Proxmox forks one process each: two
    // tasks of the same kind in the same second would share a UPID, so the later one takes
    // the next second.
    for (let attempt = 0; ; attempt++) {
      const fields = {
        node: this.node,
        pid: this.identity.pid,
        pstart: this.identity.pstart,
        starttime,
        ...spec,
      };
      const record: TaskRecord = { ...fields, upid: encodeUpid(fields) };
      const key = taskKey(record.upid);
      if (!this.running.has(record.upid) && this.options.index?.get(record.upid) === undefined)
        try {
          const revision = await this.store.transact(
            [{ key, revision: 0 }],
            [{ op: 'put', key, value: encodeTaskRecord(record) }],
          );
          return { record, revision };
        } catch (err) {
          if (!isTesseraError(err, 'conflict') || attempt >= 60) throw err;
        }
      starttime++;
    }
  }

  private async run(
    record: TaskRecord,
    worker: TaskWorker,
    log: TaskLogWriter,
    signal: AbortSignal,
  ): Promise<TaskRecord> {
    let status: string;
    try {
      await worker({
        log: (text) => {
          log.write(text);
        },
        signal,
      });
      status = 'OK';
    } catch (err) {
      status = signal.aborted ? INTERRUPTED : exitStatus(err);
    }
    const ended: TaskRecord = {
      ...record,
      endtime: Math.floor(this.clock() / 1000),
      status,
    };
    const last = status === 'OK' ? 'TASK OK' : `TASK ERROR: ${status}`;
    const put: Operation = { op: 'put', key: taskKey(record.upid), value: encodeTaskRecord(ended) };
    // The end must be recorded; a store without quorum gets a few more chances.
    let finish = log.finish(last, [put]);
    for (let attempt = 0; ; attempt++) {
      try {
        await finish;
        break;
      } catch (err) {
        if (attempt >= 30) throw err;
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        finish = log.flush([put]);
      }
    }
    await this.prune().catch(() => undefined);
    return ended;
  }
}

/** The error as one line, as Proxmox writes it after `TASK ERROR: `. */
function exitStatus(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const line = text.trim().replace(/\s*\n\s*/g, ' ');
  return line === '' ? 'unknown error' : line.slice(0, TASK_LIMITS.MAX_LINE_CHARS);
}
