/**
 * Login throttling (a Tessera extension; Proxmox has none): after `failures` failed logins
 * within `windowSeconds`, further attempts are refused without checking the password for
 * `banSeconds`.
 *
 * Failures are counted per pair of client address and user name, and per client address
 * (with a higher limit, `addressFailures`, against password spraying). Never per user name
 * alone: an attacker elsewhere could then lock the real user out. A success clears the
 * pair. Counts are kept per node, in memory and bounded.
 */
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
  /** Times of recent failures, oldest first. */
  failures: number[];
  bannedUntil: number;
}

const MAX_TRACKED = 100_000;

export class LoginThrottle {
  private readonly counters = new Map<string, Counter>();

  constructor(private readonly options: ThrottleOptions = DEFAULT_THROTTLE) {}

  private keys(address: string, user: string): [string, number][] {
    return [
      [`pair\u0000${address}\u0000${user.toLowerCase()}`, this.options.failures],
      [`addr\u0000${address}`, this.options.addressFailures],
    ];
  }

  /** Whether an attempt from `address` for `user` is refused right now. */
  blocked(address: string, user: string, now: number): boolean {
    return this.keys(address, user).some(
      ([key]) => (this.counters.get(key)?.bannedUntil ?? 0) > now,
    );
  }

  failed(address: string, user: string, now: number): void {
    for (const [key, limit] of this.keys(address, user)) {
      const counter = this.counters.get(key) ?? { failures: [], bannedUntil: 0 };
      counter.failures = counter.failures.filter((t) => t > now - this.options.windowSeconds);
      counter.failures.push(now);
      if (counter.failures.length >= limit) {
        counter.bannedUntil = now + this.options.banSeconds;
        counter.failures = [];
      }
      this.counters.delete(key);
      this.counters.set(key, counter);
    }
    this.prune(now);
  }

  succeeded(address: string, user: string): void {
    const [pair] = this.keys(address, user);
    if (pair) this.counters.delete(pair[0]);
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
