/**
 * Runs the realm-sync jobs when they are due, on exactly one node of the nodes sharing a
 * store. Every node looks once a minute; a due job is claimed by a conditioned write of its
 * state (the store's compare-and-set: of several nodes reading the same state, one write
 * succeeds, the others conflict and leave it), and the node that claimed it starts the sync
 * as a task of `root@pam`, as Proxmox's scheduler does, then records the task in the state.
 *
 * A job whose last task still runs on a live node is not started again. A run missed while
 * no node was up is not made up for (Proxmox's `repeat-missed` is not a realm-sync option):
 * the node that notices records it as skipped, and the job runs at its next time.
 */
import { isTesseraError } from '../../errors.js';
import { parseRealmId, ROOT_USERID } from '../../model/ids.js';
import type { Realm } from '../../realms/realm.js';
import { jobStateKey } from '../../store/task-keys.js';
import { NODE_ACTOR } from '../actor.js';
import type { ServiceContext } from '../context.js';
import { checkRealmSync, syncRealm, type SyncRequest } from '../realm-sync.js';
import type { TaskManager } from '../tasks/tasks.js';
import { decodeJob, decodeJobState, lastRun, nextRun, type JobState } from './job-records.js';

/** A node whose heartbeat is older than this is taken for down (heartbeats come every 30 s). */
const NODE_SILENT_MS = 90_000;
/** A due time further back than this was missed rather than just reached. */
const MISSED_AFTER_S = 120;

export interface SchedulerOptions {
  /** Replaces the realms' directory reader (tests). */
  readonly read?: Realm['readDirectory'];
  readonly onError?: (err: unknown) => void;
}

export class JobScheduler {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<string[]> | undefined;

  constructor(
    /** The node's own context (acting as root@pam). */
    private readonly ctx: ServiceContext,
    private readonly tasks: TaskManager,
    private readonly options: SchedulerOptions = {},
  ) {}

  start(everyMs = 60_000): void {
    const run = (): void => {
      this.tick(Math.floor(Date.now() / 1000)).catch((err: unknown) => this.options.onError?.(err));
    };
    // Aligned to the minute, as schedules are.
    const first = everyMs - (Date.now() % everyMs);
    this.timer = setTimeout(() => {
      run();
      this.timer = setInterval(run, everyMs);
      this.timer.unref();
    }, first);
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.timer);
    clearInterval(this.timer);
  }

  /** Starts every job due at `now` that this node claims; returns the UPIDs it started. */
  tick(now: number): Promise<string[]> {
    this.ticking ??= this.runDue(now).finally(() => {
      this.ticking = undefined;
    });
    return this.ticking;
  }

  private async runDue(now: number): Promise<string[]> {
    const index = this.tasks.index;
    if (!index || !this.ctx.store.writable) return [];
    await index.ready();
    const started: string[] = [];
    for (const [id, entry] of [...index.jobs].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const job = decodeJob(entry.value);
      if (!job || job.enabled === false) continue;
      const stateEntry = index.jobStates.get(id);
      const state = decodeJobState(stateEntry?.value);
      const due = nextRun(job.schedule, lastRun(state) ?? now);
      if (due === undefined || now < due) continue;
      if (this.stillRunning(state)) continue;
      const missed = now - due > MISSED_AFTER_S;
      const claim: JobState = missed
        ? { ...state, updated: now }
        : { node: this.tasks.node, time: now };
      try {
        await this.ctx.store.transact(
          [{ key: jobStateKey(id), revision: stateEntry?.revision ?? 0 }],
          [{ op: 'put', key: jobStateKey(id), value: JSON.stringify(claim) }],
        );
      } catch (err) {
        // Another node claimed it first.
        if (isTesseraError(err, 'conflict')) continue;
        throw err;
      }
      if (missed) continue;
      const request: SyncRequest = {
        scope: job.scope,
        ...(job['remove-vanished'] !== undefined
          ? { 'remove-vanished': job['remove-vanished'] }
          : {}),
        ...(job['enable-new'] !== undefined ? { 'enable-new': job['enable-new'] } : {}),
      };
      const after: JobState = { node: this.tasks.node };
      try {
        const realm = parseRealmId(job.realm);
        await checkRealmSync(this.ctx, realm, request, this.options.read);
        const task = await this.tasks.start(
          { type: 'auth-realm-sync', id: realm, user: ROOT_USERID },
          async (run) => {
            await syncRealm(this.ctx, realm, request, this.options.read, {
              say: (line) => {
                run.log(line);
              },
              signal: run.signal,
            });
          },
        );
        started.push(task.upid);
        await this.record(id, { ...after, upid: task.upid });
      } catch (err) {
        await this.record(id, {
          ...after,
          time: now,
          error: err instanceof Error ? err.message : String(err),
        });
      }
    }
    return started;
  }

  private stillRunning(state: JobState): boolean {
    const index = this.tasks.index;
    if (state.upid === undefined || !index) return false;
    const task = index.get(state.upid);
    if (!task || task.endtime !== undefined) return false;
    if (task.node === this.tasks.node) return true;
    const beat = index.heartbeat(task.node);
    return beat !== undefined && Date.now() - beat < NODE_SILENT_MS;
  }

  private async record(id: string, state: JobState): Promise<void> {
    await this.ctx.store.transact(
      [],
      [{ op: 'put', key: jobStateKey(id), value: JSON.stringify(state) }],
    );
  }
}

/** The context jobs run in: the node itself, as root@pam. */
export function schedulerContext(ctx: ServiceContext): ServiceContext {
  return { ...ctx, actor: NODE_ACTOR };
}
