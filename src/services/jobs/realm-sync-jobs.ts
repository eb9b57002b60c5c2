/**
 * `/cluster/jobs/realm-sync`: realm sync on a schedule, as Proxmox's API defines it (list,
 * read, create, update, delete) with its privileges: reading takes `Sys.Audit` on `/`,
 * creating and changing `Realm.AllocateUser` on the realm and `User.Modify` on
 * `/access/groups`, deleting `Sys.Modify` on `/`. Definitions and states live in the store
 * (job-records.ts); the scheduler (scheduler.ts) runs them.
 */
import { parameterError, rejected } from '../../errors.js';
import { CalendarEventError, parseCalendarEvent } from '../../model/calendar-event.js';
import { asRealmId, type RealmId } from '../../model/ids.js';
import { parseRemoveVanished } from '../../realms/sync-plan.js';
import type { Condition, Operation } from '../../store/config-store.js';
import { newEventKey } from '../../store/event-keys.js';
import { jobKey, jobStateKey } from '../../store/task-keys.js';
import { changeEvent, draft, type ChangeDraft } from '../audit.js';
import { authorize } from '../authorize.js';
import { audited, type ServiceContext } from '../context.js';
import { maySyncRealm } from '../realm-sync.js';
import type { TaskIndex } from '../tasks/task-index.js';
import {
  decodeJob,
  decodeJobState,
  lastRun,
  nextRun,
  type JobState,
  type RealmSyncJob,
} from './job-records.js';

export interface JobOptions {
  readonly schedule?: string | undefined;
  readonly scope?: string | undefined;
  readonly enabled?: boolean | undefined;
  readonly comment?: string | undefined;
  readonly 'remove-vanished'?: string | undefined;
  readonly 'enable-new'?: boolean | undefined;
}

/** What Proxmox answers for a job: booleans as 0/1, with `last-run` and `next-run`. */
export type JobAnswer = Record<string, string | number>;

const OPTIONAL = ['enabled', 'comment', 'remove-vanished', 'enable-new'] as const;

function checkOptions(options: JobOptions): void {
  const errors: Record<string, string> = {};
  if (options.schedule !== undefined)
    try {
      parseCalendarEvent(options.schedule);
    } catch (err) {
      if (!(err instanceof CalendarEventError)) throw err;
      errors['schedule'] =
        `invalid format - invalid calendar event '${options.schedule}' - ${err.message}`;
    }
  if (options.scope !== undefined && !['users', 'groups', 'both'].includes(options.scope))
    errors['scope'] =
      `value '${options.scope}' does not have a value in the enumeration 'users, groups, both'`;
  if (
    options['remove-vanished'] !== undefined &&
    parseRemoveVanished(options['remove-vanished']) === undefined
  )
    errors['remove-vanished'] = "expected 'acl', 'entry', 'properties' joined by ';', or 'none'";
  if (Object.keys(errors).length > 0) throw parameterError(errors);
}

function realmId(realm: string): RealmId {
  const id = asRealmId(realm);
  if (id === undefined) throw parameterError({ realm: `invalid realm id '${realm}'` });
  return id;
}

function checkId(id: string): void {
  if (id.length > 64 || !/^[a-z][a-z0-9_-]+$/i.test(id))
    throw parameterError({ id: `invalid format - invalid configuration ID '${id}'` });
}

function answer(job: RealmSyncJob, state: JobState, now: number): JobAnswer {
  const out: JobAnswer = {};
  for (const [key, value] of Object.entries(job) as [string, string | boolean | undefined][])
    if (value !== undefined) out[key] = typeof value === 'boolean' ? (value ? 1 : 0) : value;
  out['enabled'] = job.enabled === false ? 0 : 1;
  const last = lastRun(state);
  if (last !== undefined) out['last-run'] = last;
  const next = nextRun(job.schedule, last ?? now);
  if (next !== undefined) out['next-run'] = next;
  return out;
}

async function ready(index: TaskIndex): Promise<TaskIndex> {
  await index.ready();
  return index;
}

function stored(index: TaskIndex, id: string): { job: RealmSyncJob; revision: number } | undefined {
  const entry = index.jobs.get(id);
  const job = entry ? decodeJob(entry.value) : undefined;
  return entry && job ? { job, revision: entry.revision } : undefined;
}

/** One transaction with the change's audit event, then this process sees it. */
async function write(
  ctx: ServiceContext,
  change: ChangeDraft,
  conditions: Condition[],
  operations: Operation[],
): Promise<void> {
  const event = changeEvent(ctx.node, ctx.actor, change, 'success', Date.now());
  const revision = await ctx.store.transact(conditions, [
    ...operations,
    { op: 'put', key: newEventKey(event), value: JSON.stringify(event) },
  ]);
  await ctx.committed(revision);
}

export async function listRealmSyncJobs(
  ctx: ServiceContext,
  tasks: TaskIndex,
): Promise<JobAnswer[]> {
  const index = await ready(tasks);
  (await authorize(ctx)).perm('/', ['Sys.Audit']);
  const now = ctx.now();
  return [...index.jobs.keys()].sort().flatMap((id) => {
    const found = stored(index, id);
    return found ? [answer(found.job, decodeJobState(index.jobStates.get(id)?.value), now)] : [];
  });
}

export async function readRealmSyncJob(
  ctx: ServiceContext,
  tasks: TaskIndex,
  id: string,
): Promise<JobAnswer> {
  const index = await ready(tasks);
  (await authorize(ctx)).perm('/', ['Sys.Audit']);
  const found = stored(index, id);
  if (!found) throw parameterError({ id: `No such job '${id}'` });
  const job = answer(found.job, {}, ctx.now());
  // Proxmox's read answers the definition only.
  return Object.fromEntries(
    Object.entries(job).filter(([key]) => key !== 'last-run' && key !== 'next-run'),
  );
}

export async function createRealmSyncJob(
  ctx: ServiceContext,
  tasks: TaskIndex,
  id: string,
  realm: string,
  options: JobOptions,
): Promise<void> {
  const change = draft('job', id, 'create', { realm, ...options });
  await audited(ctx, change, async () => {
    const index = await ready(tasks);
    checkId(id);
    checkOptions(options);
    const auth = await authorize(ctx);
    const parsed = realmId(realm);
    maySyncRealm(auth, parsed);
    if (index.jobs.has(id)) throw rejected(`Job '${id}' already exists`);
    const config = auth.snapshot.domains.realms.get(parsed);
    if (!config) throw parameterError({ realm: `No such realm '${realm}'` });
    if (config.type !== 'ldap' && config.type !== 'ad')
      throw parameterError({ realm: 'Only LDAP/AD realms can be synced.' });
    if (options.schedule === undefined || options.scope === undefined)
      throw parameterError({
        ...(options.schedule === undefined
          ? { schedule: 'property is missing and it is not optional' }
          : {}),
        ...(options.scope === undefined
          ? { scope: 'property is missing and it is not optional' }
          : {}),
      });
    const job: RealmSyncJob = {
      type: 'realm-sync',
      id,
      schedule: options.schedule,
      realm,
      scope: options.scope,
      ...(options.enabled !== undefined ? { enabled: options.enabled } : {}),
      ...(options.comment !== undefined ? { comment: options.comment } : {}),
      ...(options['remove-vanished'] !== undefined
        ? { 'remove-vanished': options['remove-vanished'] }
        : {}),
      ...(options['enable-new'] !== undefined ? { 'enable-new': options['enable-new'] } : {}),
    };
    const state: JobState = { updated: ctx.now() };
    await write(
      ctx,
      change,
      [
        { key: jobKey(id), revision: 0 },
        { key: jobStateKey(id), revision: index.jobStates.get(id)?.revision ?? 0 },
      ],
      [
        { op: 'put', key: jobKey(id), value: JSON.stringify(job) },
        { op: 'put', key: jobStateKey(id), value: JSON.stringify(state) },
      ],
    );
  });
}

export async function updateRealmSyncJob(
  ctx: ServiceContext,
  tasks: TaskIndex,
  id: string,
  options: JobOptions,
  deletions: readonly string[],
): Promise<void> {
  const change = draft('job', id, 'update', { ...options, delete: [...deletions] });
  await audited(ctx, change, async () => {
    const index = await ready(tasks);
    if (Object.values(options).every((v) => v === undefined) && deletions.length === 0)
      throw rejected('no job options specified');
    checkOptions(options);
    for (const name of deletions)
      if (!(OPTIONAL as readonly string[]).includes(name))
        throw parameterError({ delete: `unable to delete required option '${name}'` });
    const found = stored(index, id);
    if (!found) throw rejected('no such realm-sync job');
    const auth = await authorize(ctx);
    maySyncRealm(auth, realmId(found.job.realm));
    const gone = new Set(deletions);
    const next: Record<string, unknown> = Object.fromEntries(
      Object.entries(found.job).filter(([key]) => !gone.has(key)),
    );
    for (const [key, value] of Object.entries(options)) if (value !== undefined) next[key] = value;
    const operations: Operation[] = [{ op: 'put', key: jobKey(id), value: JSON.stringify(next) }];
    const conditions: Condition[] = [{ key: jobKey(id), revision: found.revision }];
    // A new schedule counts from now, not from the last run under the old one.
    if (options.schedule !== undefined && options.schedule !== found.job.schedule) {
      const state = index.jobStates.get(id);
      operations.push({
        op: 'put',
        key: jobStateKey(id),
        value: JSON.stringify({ ...decodeJobState(state?.value), updated: ctx.now() }),
      });
      conditions.push({ key: jobStateKey(id), revision: state?.revision ?? 0 });
    }
    await write(ctx, change, conditions, operations);
  });
}

export async function deleteRealmSyncJob(
  ctx: ServiceContext,
  tasks: TaskIndex,
  id: string,
): Promise<void> {
  const change = draft('job', id, 'delete');
  await audited(ctx, change, async () => {
    const index = await ready(tasks);
    (await authorize(ctx)).perm('/', ['Sys.Modify']);
    const found = stored(index, id);
    if (!found) throw parameterError({ id: `No such job '${id}'` });
    const operations: Operation[] = [{ op: 'delete', key: jobKey(id) }];
    if (index.jobStates.has(id)) operations.push({ op: 'delete', key: jobStateKey(id) });
    await write(ctx, change, [{ key: jobKey(id), revision: found.revision }], operations);
  });
}
