/**
 * How many logins a source may start within a window, for steps that cost the server before
 * anyone is authenticated (an OpenID login's state is a write to the store). Counts are per
 * node and kept in memory; a source is an IPv4 address or an IPv6 /64 (source.ts).
 */
import { sourceOf } from './source.js';

const MAX_SOURCES = 100_000;

export class StartLimit {
  private readonly starts = new Map<string, number[]>();

  constructor(
    readonly perSource: number,
    readonly windowSeconds: number,
  ) {}

  /** Counts a start from `address` at `now` (Unix seconds); false when over the limit. */
  take(address: string, now: number): boolean {
    const source = sourceOf(address);
    const since = now - this.windowSeconds;
    const recent = (this.starts.get(source) ?? []).filter((at) => at > since);
    if (recent.length >= this.perSource) {
      this.starts.set(source, recent);
      return false;
    }
    recent.push(now);
    if (!this.starts.has(source) && this.starts.size >= MAX_SOURCES) this.prune(since);
    this.starts.set(source, recent);
    return true;
  }

  /** Forgets sources without recent starts; the oldest ones when that is not enough. */
  private prune(since: number): void {
    for (const [source, times] of this.starts)
      if ((times.at(-1) ?? 0) <= since) this.starts.delete(source);
    for (const source of this.starts.keys()) {
      if (this.starts.size < MAX_SOURCES / 2) return;
      this.starts.delete(source);
    }
  }
}
