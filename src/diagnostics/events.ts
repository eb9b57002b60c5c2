/**
 * Events kept in the store, so that any node can say why a login failed and who changed
 * what: every failed authentication (password, second factor, OpenID, ticket, API token) and
 * every successful login, with its cause code, client address, realm, node and time; and
 * every change of the configuration (`kind: 'change'`, see {@link ChangeEvent}), accepted,
 * refused or failed. Both kinds share the keys, the retention and the pruning.
 *
 * Events are written in batches (one transaction a second at most), so a login flood costs
 * the store one write a second, not one per attempt. While the store is read-only they wait
 * in memory (bounded) and go in when it takes writes again. Retention is bounded by count and
 * age; the oldest events are removed first.
 */
import type { AuthEvent, ChangeEntity, ChangeEvent, StoredEvent } from '../model/events.js';
import type { ConfigStore, Operation } from '../store/config-store.js';
import { EVENT_PREFIX, newEventKey } from '../store/event-keys.js';

export interface Retention {
  readonly maxEvents: number;
  readonly maxAgeSeconds: number;
}

export const DEFAULT_RETENTION: Retention = { maxEvents: 20_000, maxAgeSeconds: 30 * 86_400 };

const MAX_QUEUE = 10_000;
/**
 * Pruning reads the whole store to find the event keys, so it runs rarely, and only after
 * this node wrote events.
 */
const PRUNE_EVERY_MS = 600_000;

export class EventLog {
  private queue: StoredEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastPrune = 0;
  private writtenSincePrune = false;
  private flushing: Promise<void> | undefined;
  /** Events dropped because the queue was full (the store unwritable for long). */
  dropped = 0;

  constructor(
    private readonly store: ConfigStore,
    readonly node: string,
    private readonly retention: Retention = DEFAULT_RETENTION,
  ) {}

  record(event: Omit<AuthEvent, 'node' | 'time'> & { time?: number }): void {
    this.push({ ...event, node: this.node, time: event.time ?? Date.now() });
  }

  /** A refused or failed change (accepted ones go in with the change). */
  recordChange(event: ChangeEvent): void {
    this.push(event);
  }

  private push(event: StoredEvent): void {
    if (this.queue.length >= MAX_QUEUE) {
      this.queue.shift();
      this.dropped++;
    }
    this.queue.push(event);
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Writes what is queued (and prunes old events now and then). */
  async flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    this.flushing = this.write().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async write(): Promise<void> {
    const batch = this.queue.slice(0, 500);
    if (batch.length > 0) {
      const operations: Operation[] = batch.map((event) => ({
        op: 'put',
        key: newEventKey(event),
        value: JSON.stringify(event),
      }));
      // Failures stay queued: a read-only store takes them later.
      await this.store.transact([], operations);
      this.queue.splice(0, batch.length);
      this.writtenSincePrune = true;
    }
    if (this.writtenSincePrune && Date.now() - this.lastPrune >= PRUNE_EVERY_MS) {
      this.writtenSincePrune = false;
      this.lastPrune = Date.now();
      await prune(this.store, this.retention, Date.now());
    }
  }

  start(everyMs = 1_000, onError?: (err: unknown) => void): void {
    this.timer = setInterval(() => {
      if (this.queue.length > 0) this.flush().catch((err: unknown) => onError?.(err));
    }, everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush().catch(() => undefined);
  }
}

/** Removes events beyond the retention: older than the age limit, or beyond the count. */
export async function prune(
  store: ConfigStore,
  retention: Retention,
  nowMs: number,
): Promise<number> {
  const snapshot = await store.snapshot();
  const keys = [...snapshot.entries.keys()].filter((k) => k.startsWith(EVENT_PREFIX)).sort();
  const cutoff = String(nowMs - retention.maxAgeSeconds * 1000).padStart(13, '0');
  const old = keys.filter((k) => k.slice(EVENT_PREFIX.length, EVENT_PREFIX.length + 13) < cutoff);
  const excess = Math.max(0, keys.length - old.length - retention.maxEvents);
  const remove = [...old, ...keys.slice(old.length, old.length + excess)];
  for (let i = 0; i < remove.length; i += 1000)
    await store.transact(
      [],
      remove.slice(i, i + 1000).map((key) => ({ op: 'delete' as const, key })),
    );
  return remove.length;
}

export interface EventQuery {
  /** A user id or user name: matches events whose user is it or starts with `<name>@`. */
  readonly user?: string;
  /** Unix time in milliseconds. */
  readonly since?: number;
  /** Unix time in milliseconds: events up to and including it. */
  readonly until?: number;
  readonly outcome?: AuthEvent['outcome'];
  readonly limit?: number;
}

export async function readEvents(store: ConfigStore, query: EventQuery = {}): Promise<AuthEvent[]> {
  const snapshot = await store.snapshot();
  const since = query.since !== undefined ? String(query.since).padStart(13, '0') : '';
  const until = query.until !== undefined ? String(query.until).padStart(13, '0') : undefined;
  const events: AuthEvent[] = [];
  for (const [key, entry] of snapshot.entries) {
    if (!key.startsWith(EVENT_PREFIX)) continue;
    const stamp = key.slice(EVENT_PREFIX.length, EVENT_PREFIX.length + 13);
    if (stamp < since || (until !== undefined && stamp > until)) continue;
    let event: StoredEvent;
    try {
      event = JSON.parse(entry.value) as StoredEvent;
    } catch {
      continue;
    }
    // Change events share the keys; only authentication events are asked for here.
    if (event.kind === 'change') continue;
    if (query.user !== undefined && !matchesUser(event, query.user)) continue;
    if (query.outcome !== undefined && event.outcome !== query.outcome) continue;
    events.push(event);
  }
  events.sort((a, b) => a.time - b.time);
  return query.limit !== undefined ? events.slice(-query.limit) : events;
}

function matchesUser(event: AuthEvent, user: string): boolean {
  if (event.user === user) return true;
  if (!user.includes('@')) return event.user === user || event.user.startsWith(`${user}@`);
  return false;
}

export interface ChangeQuery {
  /** A user id (or a name without realm): the actor, the token's owner, or the changed user. */
  readonly user?: string;
  readonly entity?: ChangeEntity;
  readonly id?: string;
  /** Unix time in milliseconds. */
  readonly since?: number;
  readonly until?: number;
  /** The newest this many (default and maximum {@link MAX_CHANGES}). */
  readonly limit?: number;
}

export const MAX_CHANGES = 5000;

/** Change events, oldest first (the newest `limit` of them). */
export async function readChanges(
  store: ConfigStore,
  query: ChangeQuery = {},
): Promise<ChangeEvent[]> {
  const snapshot = await store.snapshot();
  const since = query.since !== undefined ? String(query.since).padStart(13, '0') : '';
  const until = query.until !== undefined ? String(query.until).padStart(13, '0') : undefined;
  const events: ChangeEvent[] = [];
  for (const [key, entry] of snapshot.entries) {
    if (!key.startsWith(EVENT_PREFIX)) continue;
    const stamp = key.slice(EVENT_PREFIX.length, EVENT_PREFIX.length + 13);
    if (stamp < since || (until !== undefined && stamp > until)) continue;
    let event: StoredEvent;
    try {
      event = JSON.parse(entry.value) as StoredEvent;
    } catch {
      continue;
    }
    if (event.kind !== 'change') continue;
    if (query.entity !== undefined && event.entity !== query.entity) continue;
    if (query.id !== undefined && event.id !== query.id) continue;
    if (query.user !== undefined && !concernsUser(event, query.user)) continue;
    events.push(event);
  }
  events.sort((a, b) => a.time - b.time);
  const limit = Math.min(query.limit ?? MAX_CHANGES, MAX_CHANGES);
  return events.slice(-limit);
}

/** The user acted, or was acted upon (its account, password, factors, tokens or ACL entries). */
function concernsUser(event: ChangeEvent, user: string): boolean {
  const same = (value: string | undefined): boolean =>
    value !== undefined &&
    (value === user || (!user.includes('@') && value.startsWith(`${user}@`)));
  if (same(event.actor)) return true;
  const target =
    event.entity === 'token'
      ? event.id.split('!')[0]
      : event.entity === 'acl'
        ? undefined
        : event.id;
  if (['user', 'password', 'tfa', 'token'].includes(event.entity) && same(target)) return true;
  const users = event.fields['users'];
  if (Array.isArray(users) && users.some((u: string) => same(u))) return true;
  const tokens = event.fields['tokens'];
  return Array.isArray(tokens) && tokens.some((t: string) => same(t.split('!')[0]));
}
