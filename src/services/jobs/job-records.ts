/**
 * Realm-sync jobs as the store keeps them: the definition (a `realm-sync:` section of
 * Proxmox's jobs.cfg, as JSON) and the state every node reads before it runs the job.
 */
import { CalendarEventError, nextEvent, parseCalendarEvent } from '../../model/calendar-event.js';
import { decodeUpid } from '../../model/upid.js';

export interface RealmSyncJob {
  readonly type: 'realm-sync';
  readonly id: string;
  readonly schedule: string;
  readonly realm: string;
  readonly scope: string;
  /** Default true. */
  readonly enabled?: boolean;
  readonly comment?: string;
  readonly 'remove-vanished'?: string;
  readonly 'enable-new'?: boolean;
}

export interface JobState {
  /** The node that claimed the last run. */
  readonly node?: string;
  /** Unix seconds of the claim (or of a failed start). */
  readonly time?: number;
  /** The task of the last run. */
  readonly upid?: string;
  /** Why the last run could not start. */
  readonly error?: string;
  /** Unix seconds of the definition's last schedule change: no run is due for before it. */
  readonly updated?: number;
}

export function decodeJob(value: string): RealmSyncJob | undefined {
  try {
    const job = JSON.parse(value) as Partial<RealmSyncJob>;
    if (
      job.type !== 'realm-sync' ||
      typeof job.id !== 'string' ||
      typeof job.schedule !== 'string' ||
      typeof job.realm !== 'string' ||
      typeof job.scope !== 'string'
    )
      return undefined;
    return job as RealmSyncJob;
  } catch {
    return undefined;
  }
}

export function decodeJobState(value: string | undefined): JobState {
  if (value === undefined) return {};
  try {
    const state = JSON.parse(value) as JobState | null;
    return typeof state === 'object' && state !== null ? state : {};
  } catch {
    return {};
  }
}

/** When the job last ran (or was scheduled anew), in Unix seconds. */
export function lastRun(state: JobState): number | undefined {
  const started = state.upid !== undefined ? decodeUpid(state.upid)?.starttime : undefined;
  const times = [started, state.time, state.updated].filter((t): t is number => t !== undefined);
  return times.length > 0 ? Math.max(...times) : undefined;
}

/** The job's next run after `last`, or `undefined` (an unparsable schedule never runs). */
export function nextRun(schedule: string, last: number): number | undefined {
  try {
    return nextEvent(parseCalendarEvent(schedule), last);
  } catch (err) {
    if (err instanceof CalendarEventError) return undefined;
    throw err;
  }
}
