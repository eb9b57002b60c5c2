/**
 * Login throttling (a Tessera extension; Proxmox has none): after `failures` failed logins
 * within `windowSeconds`, further attempts are refused without checking the password for
 * `banSeconds`.
 *
 * Failures are counted per pair of client source and user name, and per client source
 * (with a higher limit, `addressFailures`, against password spraying). A source is an IPv4
 * address, or an IPv6 /64 (auth/source.ts). Never per user name alone: an attacker elsewhere
 * could then lock the real user out. A success clears the pair. Counts are kept in memory
 * and bounded; each failure and success is also told to `share`, which carries it to the
 * other nodes of a cluster (auth/throttle-share.ts), whose records come back through
 * {@link LoginThrottle.merge}.
 */
import { sourceOf } from './source.js';

export interface ThrottleOptions {
  readonly failures: number;
  readonly windowSeconds: number;
  readonly banSeconds: number;
  readonly addressFailures: number;
}

export const DEFAULT_THROTTLE: ThrottleOptions = {
  failures: 5,
  windowSeconds: 60,
  banSeconds: 300,
  addressFailures: 25,
};

interface Counter {
  /** Times of recent failures. */
  failures: number[];
  bannedUntil: number;
  /** The time of the failure that set the ban. */
  bannedAt: number;
}

const MAX_TRACKED = 100_000;

/** One failure or success, as nodes tell each other: the source, the user name, the time. */
export interface ThrottleRecord {
  readonly source: string;
  readonly user: string;
  /** Unix seconds. */
  readonly time: number;
  readonly outcome: 'failure' | 'success';
}

export class LoginThrottle {
  private readonly counters = new Map<string, Counter>();
  /** Told of every local failure and success (the cluster share). */
  share: ((record: ThrottleRecord) => void) | undefined;

  constructor(readonly options: ThrottleOptions = DEFAULT_THROTTLE) {}

  private keys(source: string, user: string): [string, number][] {
    return [
      [`pair\u0000${source}\u0000${user.toLowerCase()}`, this.options.failures],
      [`addr\u0000${source}`, this.options.addressFailures],
    ];
  }

  /** Whether an attempt from `address` for `user` is refused right now. */
  blocked(address: string, user: string, now: number): boolean {
    return this.keys(sourceOf(address), user).some(
      ([key]) => (this.counters.get(key)?.bannedUntil ?? 0) > now,
    );
  }

  failed(address: string, user: string, now: number): void {
    const source = sourceOf(address);
    this.count(source, user, now);
    this.share?.({ source, user, time: now, outcome: 'failure' });
  }

  succeeded(address: string, user: string, now = Math.floor(Date.now() / 1000)): void {
    const source = sourceOf(address);
    // Every failure is shared: where this node counts none, no node does, and nothing is sent.
    if (!this.clear(source, user, Infinity)) return;
    this.share?.({ source, user, time: now, outcome: 'success' });
  }

  /**
   * A failure or success another node reported. Records arrive in any order: a success lifts
   * only what happened before it (the same second counts as after).
   */
  merge(record: ThrottleRecord): void {
    if (record.outcome === 'success') this.clear(record.source, record.user, record.time);
    else this.count(record.source, record.user, record.time);
  }

  private count(source: string, user: string, time: number): void {
    for (const [key, limit] of this.keys(source, user)) {
      const counter = this.counters.get(key) ?? { failures: [], bannedUntil: 0, bannedAt: 0 };
      counter.failures = counter.failures.filter((t) => t > time - this.options.windowSeconds);
      counter.failures.push(time);
      if (
        counter.failures.length >= limit &&
        time + this.options.banSeconds > counter.bannedUntil
      ) {
        counter.bannedUntil = time + this.options.banSeconds;
        counter.bannedAt = time;
        counter.failures = [];
      }
      this.counters.delete(key);
      this.counters.set(key, counter);
    }
    this.prune(time);
  }

  /** Lifts the pair's failures and ban older than `before`; whether there was a count. */
  private clear(source: string, user: string, before: number): boolean {
    const [pair] = this.keys(source, user);
    const counter = pair && this.counters.get(pair[0]);
    if (!pair || !counter) return false;
    counter.failures = counter.failures.filter((t) => t >= before);
    if (counter.bannedAt < before) counter.bannedUntil = 0;
    if (counter.failures.length === 0 && counter.bannedUntil === 0) this.counters.delete(pair[0]);
    return true;
  }

  /** Forgets what no longer matters, and the oldest entries beyond the bound. */
  private prune(now: number): void {
    if (this.counters.size <= MAX_TRACKED) return;
    for (const [key, counter] of this.counters) {
      const stale =
        counter.bannedUntil <= now &&
        (counter.failures[counter.failures.length - 1] ?? 0) <= now - this.options.windowSeconds;
      if (stale || this.counters.size > MAX_TRACKED) this.counters.delete(key);
      if (this.counters.size <= MAX_TRACKED / 2) break;
    }
  }
}
