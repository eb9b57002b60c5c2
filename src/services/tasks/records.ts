/**
 * A task as the store keeps it, and who may see it. The record is written when the task
 * starts and again when it ends (with its end time and exit status), by the node that runs
 * it; a stop asked for on any node sets `stop`, and the running node acts on it.
 */
import { decodeUpid, type Upid } from '../../model/upid.js';
import type { Authorization } from '../authorize.js';

export interface TaskRecord extends Upid {
  readonly upid: string;
  /** Unix seconds; absent while the task runs. */
  readonly endtime?: number;
  /** Proxmox's exit status: `OK`, `WARNINGS: <n>`, the error text, or `unexpected status`. */
  readonly status?: string;
  /** Someone asked to stop it. */
  readonly stop?: boolean;
}

/**
 * How much is kept. Proxmox keeps its task index in two rotated files and every log in a
 * file; Tessera keeps the newest {@link MAX_TASKS} tasks of the whole store, and at most
 * {@link MAX_LOG_LINES} lines of one task's log, each cut at {@link MAX_LINE_CHARS}.
 */
export const TASK_LIMITS = {
  MAX_TASKS: 1000,
  MAX_LOG_LINES: 20_000,
  MAX_LINE_CHARS: 4096,
  /** Lines per stored chunk: a chunk is rewritten as it fills, then the next one begins. */
  CHUNK_LINES: 500,
  /** A chunk also ends at this many characters, so that a write stays small for etcd. */
  CHUNK_CHARS: 64 * 1024,
  /** Full chunks per transaction (etcd takes 1.5 MiB a request by default). */
  CHUNKS_PER_WRITE: 8,
} as const;

export function decodeTaskRecord(value: string): TaskRecord | undefined {
  try {
    const record = JSON.parse(value) as Partial<TaskRecord>;
    if (typeof record.upid !== 'string') return undefined;
    const upid = decodeUpid(record.upid);
    if (!upid) return undefined;
    return {
      ...upid,
      upid: record.upid,
      ...(typeof record.endtime === 'number' ? { endtime: record.endtime } : {}),
      ...(typeof record.status === 'string' ? { status: record.status } : {}),
      ...(record.stop === true ? { stop: true } : {}),
    };
  } catch {
    return undefined;
  }
}

export function encodeTaskRecord(record: TaskRecord): string {
  return JSON.stringify(record);
}

/**
 * Proxmox's owner rule: a task started with an API token is its token's and its owner's; a
 * token sees only its own tasks.
 */
export function ownsTask(auth: Authorization, task: Pick<TaskRecord, 'user'>): boolean {
  const caller = auth.actor.authid as string;
  if (caller === task.user) return true;
  const bang = task.user.indexOf('!');
  return bang > 0 && auth.actor.token === undefined && caller === task.user.slice(0, bang);
}
