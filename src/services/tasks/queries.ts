/**
 * `/nodes/{node}/tasks` and `/cluster/tasks` as Proxmox answers them, read from the task
 * index. Anyone may ask; what they see follows Proxmox's rules: their own tasks (a token's
 * tasks are also its owner's), every task of a node with `Sys.Audit` on `/nodes/<node>`,
 * stopping another's task takes `Sys.Modify` there.
 *
 * `{node}` is a node name the store knows: this node, a node with a heartbeat in the store,
 * or one that ran a task. All of them answer from the shared store, so no request is proxied;
 * any other name fails as Proxmox fails to resolve a node it cannot reach.
 */
import { parameterError, rejected } from '../../errors.js';
import { decodeUpid, statusType, type TaskStatusType, type Upid } from '../../model/upid.js';
import { authorize } from '../authorize.js';
import type { ServiceContext } from '../context.js';
import { ownsTask, type TaskRecord } from './records.js';
import type { TaskManager } from './tasks.js';
import type { TaskIndex } from './task-index.js';

/** A task as Proxmox lists it: a token's task names the owner in `user`, the token apart. */
export interface TaskEntry {
  readonly upid: string;
  readonly node: string;
  readonly pid: number;
  readonly pstart: number;
  readonly starttime: number;
  readonly type: string;
  readonly id: string;
  readonly user: string;
  readonly tokenid?: string;
  readonly endtime?: number;
  readonly status?: string;
}

export interface TaskListQuery {
  readonly start?: number | undefined;
  readonly limit?: number | undefined;
  readonly userfilter?: string | undefined;
  readonly typefilter?: string | undefined;
  readonly vmid?: number | undefined;
  readonly errors?: boolean | undefined;
  readonly source?: string | undefined;
  readonly since?: number | undefined;
  readonly until?: number | undefined;
  readonly statusfilter?: string | undefined;
}

const NODE_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;

async function indexFor(tasks: TaskManager, node: string): Promise<TaskIndex> {
  if (node.length > 64 || !NODE_NAME.test(node))
    throw parameterError({ node: 'invalid format - value does not look like a valid node name' });
  const index = tasks.index;
  if (!index) throw rejected('tasks are not available here');
  await index.ready();
  if (node !== tasks.node && node !== 'localhost' && !index.knowsNode(node))
    throw rejected(
      `hostname lookup '${node}' failed - failed to get address info for: ${node}: Name or service not known`,
    );
  return index;
}

/** `localhost` is the node that answers, as in Proxmox. */
function nodeName(tasks: TaskManager, node: string): string {
  return node === 'localhost' ? tasks.node : node;
}

function entry(record: TaskRecord, running: boolean): TaskEntry {
  const bang = record.user.indexOf('!');
  const base = {
    upid: record.upid,
    node: record.node,
    pid: record.pid,
    pstart: record.pstart,
    starttime: record.starttime,
    type: record.type,
    id: record.id,
    user: bang > 0 ? record.user.slice(0, bang) : record.user,
    ...(bang > 0 ? { tokenid: record.user.slice(bang + 1) } : {}),
  };
  if (running) return { ...base, status: 'RUNNING' };
  return {
    ...base,
    ...(record.endtime !== undefined ? { endtime: record.endtime } : {}),
    ...(record.status !== undefined ? { status: record.status } : {}),
  };
}

function statusFilter(query: TaskListQuery): ReadonlySet<TaskStatusType> {
  if (query.errors === true) return new Set(['warning', 'error', 'unknown']);
  if (query.statusfilter === undefined) return new Set(['ok', 'warning', 'error', 'unknown']);
  return new Set(
    query.statusfilter
      .split(/[,;\s\0]+/)
      .filter((s) => s !== '')
      .map((s) => s.toLowerCase() as TaskStatusType),
  );
}

export async function listTasks(
  ctx: ServiceContext,
  tasks: TaskManager,
  node: string,
  query: TaskListQuery,
): Promise<{ readonly tasks: TaskEntry[]; readonly total: number }> {
  const index = await indexFor(tasks, node);
  const name = nodeName(tasks, node);
  const source = query.source ?? 'archive';
  if (!['archive', 'active', 'all'].includes(source))
    throw parameterError({
      source: "value 'x' does not have a value in the enumeration 'archive, active, all'".replace(
        "'x'",
        `'${source}'`,
      ),
    });
  const auth = await authorize(ctx);
  const auditor = auth.has(`/nodes/${name}`, 'Sys.Audit');
  const start = query.start ?? 0;
  let limit = query.limit ?? 50;
  const statuses = statusFilter(query);
  const userfilter = query.userfilter?.toLowerCase();
  let count = 0;
  const out: TaskEntry[] = [];
  const consider = (record: TaskRecord, running: boolean): void => {
    const shown = entry(record, running);
    if (
      userfilter !== undefined &&
      userfilter !== '' &&
      !shown.user.toLowerCase().includes(userfilter)
    )
      return;
    if (!auditor && !ownsTask(auth, record)) return;
    if (
      query.typefilter !== undefined &&
      query.typefilter !== '' &&
      record.type !== query.typefilter
    )
      return;
    if (query.vmid !== undefined && query.vmid !== 0 && record.id !== String(query.vmid)) return;
    if (query.since !== undefined && record.starttime < query.since) return;
    if (query.until !== undefined && record.starttime > query.until) return;
    // A running task has no status yet: Proxmox filters it as `unknown`.
    if (!statuses.has(statusType(running ? undefined : record.status))) return;
    if (count++ < start) return;
    if (limit <= 0) return;
    out.push(shown);
    limit--;
  };
  const ofNode = index.all().filter((r) => r.node === name);
  if (source === 'active' || source === 'all')
    for (const record of ofNode) if (record.endtime === undefined) consider(record, true);
  if (source !== 'active')
    for (const record of ofNode) if (record.endtime !== undefined) consider(record, false);
  return { tasks: out, total: count };
}

/**
 * The task of `upid` that the caller may see, or Proxmox's refusal: the UPID must parse, the
 * task exist on `node` (unless `missingOk`: Proxmox's log answers a line for a missing file),
 * and the caller own it or hold `privilege` on the node.
 */
async function readable(
  ctx: ServiceContext,
  tasks: TaskManager,
  node: string,
  upid: string,
  privilege: 'Sys.Audit' | 'Sys.Modify',
  missingOk = false,
): Promise<{ record: TaskRecord | undefined; parsed: Upid; index: TaskIndex }> {
  const index = await indexFor(tasks, node);
  const parsed = decodeUpid(upid);
  if (parsed === undefined) throw parameterError({ upid: 'unable to parse worker upid' });
  const name = nodeName(tasks, node);
  const found = index.get(upid);
  const record = found?.node === name ? found : undefined;
  if (!record && !missingOk) throw parameterError({ upid: 'no such task' });
  const auth = await authorize(ctx);
  if (!ownsTask(auth, record ?? parsed)) auth.perm(`/nodes/${name}`, [privilege]);
  return { record, parsed, index };
}

function existing(record: TaskRecord | undefined): TaskRecord {
  if (!record) throw parameterError({ upid: 'no such task' });
  return record;
}

export interface TaskStatus extends TaskEntry {
  readonly status: 'running' | 'stopped';
  readonly exitstatus?: string;
}

export async function taskStatus(
  ctx: ServiceContext,
  tasks: TaskManager,
  node: string,
  upid: string,
): Promise<TaskStatus> {
  const record = existing((await readable(ctx, tasks, node, upid, 'Sys.Audit')).record);
  const shown = entry(record, false);
  const rest = {
    upid: shown.upid,
    node: shown.node,
    pid: shown.pid,
    pstart: shown.pstart,
    starttime: shown.starttime,
    type: shown.type,
    id: shown.id,
    user: shown.user,
    ...(shown.tokenid !== undefined ? { tokenid: shown.tokenid } : {}),
  };
  return record.endtime === undefined
    ? { ...rest, status: 'running' }
    : { ...rest, status: 'stopped', exitstatus: record.status ?? 'unexpected status' };
}

export interface TaskLogLine {
  readonly n: number;
  readonly t: string;
}

export async function taskLog(
  ctx: ServiceContext,
  tasks: TaskManager,
  node: string,
  upid: string,
  window: { readonly start?: number; readonly limit?: number },
): Promise<{ readonly lines: TaskLogLine[]; readonly total: number }> {
  const { index, record } = await readable(ctx, tasks, node, upid, 'Sys.Audit', true);
  if (!record)
    return { lines: [{ n: 1, t: 'unable to open file - No such file or directory' }], total: 1 };
  const all = index.log(upid);
  const start = window.start ?? 0;
  const limit = window.limit ?? 50;
  // Proxmox reads to the end when the limit is 0.
  const end = limit === 0 ? all.length : Math.min(all.length, start + limit);
  const lines: TaskLogLine[] = [];
  for (let i = start; i < end; i++) lines.push({ n: i + 1, t: all[i] ?? '' });
  // Proxmox's answer for an empty log (its web interface needs one line).
  if (all.length === 0) return { lines: [{ n: 1, t: 'no content' }], total: 1 };
  return { lines, total: all.length };
}

/** The whole log as text, for `download`. */
export async function taskLogText(
  ctx: ServiceContext,
  tasks: TaskManager,
  node: string,
  upid: string,
): Promise<{ readonly text: string; readonly filename: string }> {
  const found = await readable(ctx, tasks, node, upid, 'Sys.Audit');
  const record = existing(found.record);
  const index = found.index;
  const time = new Date(record.starttime * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const lines = index.log(upid);
  return {
    text: lines.length > 0 ? `${lines.join('\n')}\n` : '',
    filename: `task-${record.node}-${record.type}-${time}.log`,
  };
}

export async function stopTask(
  ctx: ServiceContext,
  tasks: TaskManager,
  node: string,
  upid: string,
): Promise<void> {
  await readable(ctx, tasks, node, upid, 'Sys.Modify');
  await tasks.stop(upid);
}

/**
 * `GET /cluster/tasks`: the recent tasks of every node (running ones first), as Proxmox's
 * cluster view lists them: all for `Sys.Audit` on `/`, otherwise the caller's own.
 */
export async function clusterTasks(ctx: ServiceContext, tasks: TaskManager): Promise<TaskEntry[]> {
  const index = tasks.index;
  if (!index) throw rejected('tasks are not available here');
  await index.ready();
  const auth = await authorize(ctx);
  const all = auth.has('/', 'Sys.Audit');
  const records = index.all().filter((r) => all || ownsTask(auth, r));
  const running = records.filter((r) => r.endtime === undefined);
  const ended = records.filter((r) => r.endtime !== undefined).slice(0, 50);
  return [...running.map((r) => entry(r, true)), ...ended.map((r) => entry(r, false))];
}
