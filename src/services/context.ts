/**
 * How a service changes the configuration: it reads a snapshot, decides what to write, and
 * commits one transaction conditioned on the revisions of every entity it read or wrote. If
 * another writer got there first, the service decides again on a fresh snapshot, a bounded
 * number of times, so concurrent changes never overwrite each other silently.
 */
import { hostname } from 'node:os';
import { isTesseraError, rejected, type TesseraError } from '../errors.js';
import { newEventKey } from '../store/event-keys.js';
import { PermissionEngine } from '../permissions/engine.js';
import { assemble } from '../store/assemble.js';
import type { Condition, ConfigStore, Operation } from '../store/config-store.js';
import type { LiveAccess } from '../store/live.js';
import type { AccessSnapshot } from '../store/snapshot.js';
import { NODE_ACTOR, type Actor } from './actor.js';
import { changeEvent, NO_AUDIT, outcomeOf, type AuditSink, type ChangeDraft } from './audit.js';
import { engineFor } from '../permissions/current.js';

export interface ServiceContext {
  readonly store: ConfigStore;
  /** The newest snapshot this process knows. */
  read(): Promise<AccessSnapshot>;
  /** The permission engine compiled for `snapshot`. */
  permissions(snapshot: AccessSnapshot): PermissionEngine;
  /** Returns once this process sees `revision`, so that it reads its own writes. */
  committed(revision: number): Promise<void>;
  /** Unix time in seconds. */
  now(): number;
  /** Who asks: its privileges decide, and the audit events name it. */
  readonly actor: Actor;
  /** This node's name, in the audit events. */
  readonly node: string;
  /** Where refused and failed changes are recorded. */
  readonly audit: AuditSink;
}

export interface ContextOptions {
  /** Default: the node's own command line ({@link NODE_ACTOR}), as pveum acts as root@pam. */
  readonly actor?: Actor;
  /** Default: the host name. */
  readonly node?: string;
  /**
   * Default: none, refusals are not recorded (accepted changes always are). `serve` passes
   * its event log, the command line {@link storeSink}.
   */
  readonly audit?: AuditSink;
  /** Unix seconds; default the system clock. */
  readonly now?: () => number;
}

const systemNow = (): number => Math.floor(Date.now() / 1000);

/** A context over a live view: reads are free, writes wait for the watch to catch up. */
export function liveContext(live: LiveAccess, options: ContextOptions = {}): ServiceContext {
  return {
    store: live.store,
    read: () => Promise.resolve(live.snapshot),
    permissions: (snapshot) => engineFor({ snapshot }),
    committed: async (revision) => {
      await live.waitForRevision(revision);
    },
    now: options.now ?? systemNow,
    actor: options.actor ?? NODE_ACTOR,
    node: options.node ?? hostname(),
    audit: options.audit ?? NO_AUDIT,
  };
}

/** A context that reads the whole store each time: for one-shot commands. */
export function storeContext(store: ConfigStore, options: ContextOptions = {}): ServiceContext {
  return {
    store,
    read: async () => assemble(await store.snapshot()),
    permissions: (snapshot) => engineFor({ snapshot }),
    committed: () => Promise.resolve(),
    now: options.now ?? systemNow,
    actor: options.actor ?? NODE_ACTOR,
    node: options.node ?? hostname(),
    audit: options.audit ?? NO_AUDIT,
  };
}

/** The same context, acting for `actor`. */
export function actingAs(ctx: ServiceContext, actor: Actor): ServiceContext {
  return { ...ctx, actor };
}

/**
 * Runs a change and records it when it is refused or fails; an accepted change records
 * itself in its transaction (see {@link commit}). A sink that cannot take the event does not
 * hide the change's own error.
 */
export async function audited<T>(
  ctx: Pick<ServiceContext, 'node' | 'actor' | 'audit'>,
  change: ChangeDraft,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const event = changeEvent(ctx.node, ctx.actor, change, outcomeOf(err), Date.now(), err);
    try {
      await ctx.audit.record(event);
    } catch {
      // The store cannot take it now; the caller hears the error that matters.
    }
    throw err;
  }
}

/** The writes of one service call, with a condition on every key it depends on. */
export class Changes {
  private readonly conditions = new Map<string, number>();
  private readonly operations: Operation[] = [];

  constructor(readonly snapshot: AccessSnapshot) {}

  /** The change depends on `key` staying as it was in the snapshot. */
  expect(key: string): this {
    if (!this.conditions.has(key)) this.conditions.set(key, this.snapshot.revisions.get(key) ?? 0);
    return this;
  }

  put(key: string, value: string): this {
    this.expect(key);
    this.operations.push({ op: 'put', key, value });
    return this;
  }

  delete(key: string): this {
    this.expect(key);
    this.operations.push({ op: 'delete', key });
    return this;
  }

  get empty(): boolean {
    return this.operations.length === 0;
  }

  get plan(): { conditions: Condition[]; operations: Operation[] } {
    return {
      conditions: [...this.conditions].map(([key, revision]) => ({ key, revision })),
      operations: this.operations,
    };
  }
}

const ATTEMPTS = 5;

/**
 * Runs `decide` on the newest snapshot and commits what it returns; on a conflict, reads
 * again and decides again. `decide` throws {@link refuse} to refuse the change; `failure`
 * prefixes that reason as Proxmox does (`create user failed: ...`), unless it is
 * `undefined` (Proxmox's second-factor changes have no prefix). With `change`, the
 * audit event of the change is written in the same transaction (under a new key each
 * attempt), when there is something to write.
 */
export async function commit<T>(
  ctx: ServiceContext,
  failure: string | undefined,
  decide: (changes: Changes) => T,
  change?: ChangeDraft,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const changes = new Changes(await ctx.read());
    let result: T;
    try {
      result = decide(changes);
    } catch (err) {
      if (isTesseraError(err, 'rejected') && failure !== undefined)
        throw rejected(`${failure}: ${err.message}`, err.field);
      throw err;
    }
    if (changes.empty) return result;
    if (change !== undefined) {
      const event = changeEvent(ctx.node, ctx.actor, change, 'success', Date.now());
      changes.put(newEventKey(event), JSON.stringify(event));
    }
    const { conditions, operations } = changes.plan;
    try {
      const revision = await ctx.store.transact(conditions, operations);
      await ctx.committed(revision);
      return result;
    } catch (err) {
      if (!isTesseraError(err, 'conflict') || attempt >= ATTEMPTS) throw err;
      await conflictPause(ctx, changes.snapshot.revision);
    }
  }
}

/** Gives the watch a moment to bring the change that beat us. */
async function conflictPause(ctx: ServiceContext, seen: number): Promise<void> {
  const deadline = Date.now() + 500;
  while (Date.now() < deadline && (await ctx.read()).revision <= seen)
    await new Promise((resolve) => setTimeout(resolve, 10));
}

/** Thrown inside `decide`: the change breaks a rule; `commit` words it for the client. */
export function refuse(message: string, field?: string): TesseraError {
  return rejected(message, field);
}

/** The sequence number for `key`: its own if it exists, else after every key of its kind. */
export function sequenceFor(snapshot: AccessSnapshot, key: string): number {
  const own = snapshot.sequence.get(key);
  if (own !== undefined) return own;
  const prefix = key.slice(
    0,
    key.indexOf('/', key.startsWith('secrets/') ? 'secrets/'.length : 0) + 1,
  );
  let max = 0;
  for (const [other, seq] of snapshot.sequence)
    if (other.startsWith(prefix) && seq > max) max = seq;
  return max + 1;
}

/** Expired entries removed per write: enough to keep up, bounded per transaction. */
const SWEEP = 64;

/**
 * Deletes up to {@link SWEEP} of `pending` (challenges, login states) created before
 * `before`: each new one written also clears out some that were never answered.
 */
export function sweepExpired(
  changes: Changes,
  pending: ReadonlyMap<string, { readonly created: number }>,
  keyOf: (id: string) => string,
  before: number,
): void {
  let swept = 0;
  for (const [id, entry] of pending) {
    if (swept >= SWEEP) break;
    if (entry.created < before) {
      changes.delete(keyOf(id));
      swept++;
    }
  }
}
