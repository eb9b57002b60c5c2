/**
 * The keys of tasks and scheduled jobs in the store: `tasks/<upid>` holds a task's record (who, what, when, how
 * it ended), `task-logs/<upid>/<chunk>` its log in chunks of lines, numbered so that they
 * sort in the order they were written.
 */
export const TASK_PREFIX = 'tasks/';
export const TASK_LOG_PREFIX = 'task-logs/';
/** Node heartbeats (written by diagnostics/heartbeat.ts): the nodes a store knows. */
export const HEARTBEAT_PREFIX = 'nodes/';

export function taskKey(upid: string): string {
  return `${TASK_PREFIX}${upid}`;
}

export function taskLogKey(upid: string, chunk: number): string {
  return `${TASK_LOG_PREFIX}${upid}/${String(chunk).padStart(6, '0')}`;
}

/** The task and chunk number of a log key, or `undefined` for any other key. */
export function parseTaskLogKey(key: string): { upid: string; chunk: number } | undefined {
  if (!key.startsWith(TASK_LOG_PREFIX)) return undefined;
  const slash = key.lastIndexOf('/');
  const chunk = Number(key.slice(slash + 1));
  if (slash <= TASK_LOG_PREFIX.length || !Number.isSafeInteger(chunk)) return undefined;
  return { upid: key.slice(TASK_LOG_PREFIX.length, slash), chunk };
}

/** A scheduled job's definition (`jobs/<id>`), as a section of Proxmox's jobs.cfg. */
export const JOB_PREFIX = 'jobs/';
/** When a job last ran, where, and its task (`job-state/<id>`): the claim nodes race for. */
export const JOB_STATE_PREFIX = 'job-state/';

export function jobKey(id: string): string {
  return `${JOB_PREFIX}${id}`;
}

export function jobStateKey(id: string): string {
  return `${JOB_STATE_PREFIX}${id}`;
}
