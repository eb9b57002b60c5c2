/**
 * The login throttle's state shared by the nodes of a cluster, through the store (a Tessera
 * extension, like the TFA lockouts): every node writes its failures and successes in
 * batches, at most one transaction every `intervalMs`, under `throttle/<ms>-<writer>`, and
 * counts the other nodes' records as they arrive through the watch. A node that starts reads
 * the records still in their window. Records older than the window and the ban are deleted by
 * whichever node notices them first.
 *
 * While the store takes no writes, records wait in memory (bounded) and this node's own
 * counts still hold.
 */
import { randomBytes } from 'node:crypto';
import type { Operation } from '../store/config-store.js';
import type { LiveAccess } from '../store/live.js';
import type { LoginThrottle, ThrottleRecord } from './throttle.js';

export const THROTTLE_PREFIX = 'throttle/';

const MAX_PENDING = 20_000;
const RECORDS_PER_WRITE = 2_000;
const DELETES_PER_WRITE = 500;

type Stored = [source: string, user: string, time: number, outcome: 'f' | 's'];

export class ThrottleShare {
  /** This process among the writers: records of its own are already counted. */
  private readonly writer = randomBytes(6).toString('hex');
  private pending: ThrottleRecord[] = [];
  /** Record keys seen, with the time they were written (ms). */
  private readonly known = new Map<string, number>();
  private sequence = 0;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: () => void = () => undefined;
  private flushing: Promise<void> | undefined;
  /** Records dropped because the store took no writes for long. */
  dropped = 0;

  constructor(
    private readonly live: LiveAccess,
    private readonly throttle: LoginThrottle,
    private readonly intervalMs = 500,
  ) {}

  async start(onError?: (err: unknown) => void): Promise<void> {
    this.throttle.share = (record) => {
      if (this.pending.length >= MAX_PENDING) {
        this.pending.shift();
        this.dropped++;
      }
      this.pending.push(record);
    };
    this.unsubscribe = this.live.onBatch((batch) => {
      for (const change of batch.changes)
        if (change.key.startsWith(THROTTLE_PREFIX)) {
          if (change.value === undefined) this.known.delete(change.key);
          else this.receive(change.key, change.value);
        }
    });
    const unsubscribeResync = this.live.onResync((fresh) => {
      // Records written while the watch was broken: counted once, as they would have been.
      for (const [key, entry] of fresh.entries)
        if (key.startsWith(THROTTLE_PREFIX)) this.receive(key, entry.value);
    });
    const unsubscribeBatches = this.unsubscribe;
    this.unsubscribe = () => {
      unsubscribeBatches();
      unsubscribeResync();
    };
    const snapshot = await this.live.store.snapshot();
    for (const [key, entry] of snapshot.entries)
      if (key.startsWith(THROTTLE_PREFIX)) this.receive(key, entry.value);
    this.timer = setInterval(() => {
      this.flush().catch((err: unknown) => onError?.(err));
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Writes what is pending now (and deletes records past their use). */
  flush(): Promise<void> {
    this.flushing ??= this.write().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.unsubscribe();
    this.throttle.share = undefined;
    await this.flush();
  }

  private async write(): Promise<void> {
    const now = Date.now();
    const { windowSeconds, banSeconds } = this.throttle.options;
    const horizon = now - (windowSeconds + banSeconds + 60) * 1000;
    const operations: Operation[] = [];
    for (const [key, time] of this.known) {
      if (operations.length >= DELETES_PER_WRITE) break;
      if (time < horizon) operations.push({ op: 'delete', key });
    }
    const batch = this.pending.slice(0, RECORDS_PER_WRITE);
    if (batch.length > 0) {
      this.sequence = (this.sequence + 1) % 1_000_000;
      const key = `${THROTTLE_PREFIX}${String(now).padStart(13, '0')}-${this.writer}-${String(this.sequence).padStart(6, '0')}`;
      const records: Stored[] = batch.map((r) => [
        r.source,
        r.user,
        r.time,
        r.outcome === 'failure' ? 'f' : 's',
      ]);
      operations.push({ op: 'put', key, value: JSON.stringify({ writer: this.writer, records }) });
    }
    if (operations.length === 0) return;
    await this.live.store.transact([], operations);
    this.pending = this.pending.slice(batch.length);
    for (const operation of operations)
      if (operation.op === 'delete') this.known.delete(operation.key);
      else this.known.set(operation.key, now);
  }

  private receive(key: string, value: string): void {
    if (this.known.has(key)) return;
    const time = Number(key.slice(THROTTLE_PREFIX.length, THROTTLE_PREFIX.length + 13));
    this.known.set(key, Number.isFinite(time) ? time : 0);
    let parsed: { writer?: unknown; records?: unknown };
    try {
      parsed = JSON.parse(value) as typeof parsed;
    } catch {
      return;
    }
    if (parsed.writer === this.writer || !Array.isArray(parsed.records)) return;
    for (const entry of parsed.records as unknown[]) {
      if (!Array.isArray(entry)) continue;
      const [source, user, at, outcome] = entry as unknown[];
      if (typeof source !== 'string' || typeof user !== 'string' || typeof at !== 'number')
        continue;
      this.throttle.merge({
        source,
        user,
        time: at,
        outcome: outcome === 's' ? 'success' : 'failure',
      });
    }
  }
}
