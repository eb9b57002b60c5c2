/**
 * Node heartbeats in the store (`nodes/<name>`): each running node writes its clock, store
 * revision and version every 30 s, plus the clock offsets it observed for the other nodes:
 * when a peer's heartbeat arrives through the watch (milliseconds after it was written), the
 * difference between the peer's clock and this node's is that peer's offset. `doctor` reads
 * the heartbeats and names a node whose clock is off.
 *
 * The clock is injectable, so tests can run a node whose clock is minutes ahead.
 */
import type { ConfigStore } from '../store/config-store.js';

export const NODE_PREFIX = 'nodes/';

export interface Heartbeat {
  readonly node: string;
  /** The node's clock when it wrote this, in milliseconds. */
  readonly time: number;
  readonly revision: number;
  readonly version: string;
  /** Offsets of the other nodes' clocks as this node saw them (peer clock minus ours), ms. */
  readonly peers: Readonly<Record<string, { readonly offset: number; readonly seen: number }>>;
}

export type Clock = () => number;

export class HeartbeatPublisher {
  private readonly peers = new Map<string, { offset: number; seen: number }>();
  private timer: NodeJS.Timeout | undefined;
  private stopWatch: (() => void) | undefined;

  constructor(
    private readonly store: ConfigStore,
    readonly node: string,
    private readonly version: string,
    private readonly clock: Clock = Date.now,
  ) {}

  /** Writes this node's heartbeat now. */
  async beat(revision: number): Promise<void> {
    const heartbeat: Heartbeat = {
      node: this.node,
      time: this.clock(),
      revision,
      version: this.version,
      peers: Object.fromEntries(this.peers),
    };
    await this.store.transact(
      [],
      [{ op: 'put', key: `${NODE_PREFIX}${this.node}`, value: JSON.stringify(heartbeat) }],
    );
  }

  /** What this node saw of a peer's heartbeat arriving now. */
  observe(heartbeat: Heartbeat): void {
    if (heartbeat.node === this.node) return;
    const now = this.clock();
    this.peers.set(heartbeat.node, { offset: heartbeat.time - now, seen: now });
  }

  get observed(): ReadonlyMap<string, { offset: number; seen: number }> {
    return this.peers;
  }

  start(revision: () => number, everyMs = 30_000, onError?: (err: unknown) => void): void {
    this.stopWatch = this.store.watch(revision(), {
      onChanges: (batch) => {
        for (const change of batch.changes) {
          if (!change.key.startsWith(NODE_PREFIX) || change.value === undefined) continue;
          try {
            this.observe(JSON.parse(change.value) as Heartbeat);
          } catch {
            // A value that is not a heartbeat says nothing about clocks.
          }
        }
      },
      onReset: () => undefined,
    });
    const beat = (): void => {
      this.beat(revision()).catch((err: unknown) => onError?.(err));
    };
    beat();
    this.timer = setInterval(beat, everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.stopWatch?.();
  }
}

export async function readHeartbeats(store: ConfigStore): Promise<Heartbeat[]> {
  const snapshot = await store.snapshot();
  const beats: Heartbeat[] = [];
  for (const [key, entry] of snapshot.entries) {
    if (!key.startsWith(NODE_PREFIX)) continue;
    try {
      beats.push(JSON.parse(entry.value) as Heartbeat);
    } catch {
      // Skipped: not a heartbeat.
    }
  }
  return beats.sort((a, b) => a.node.localeCompare(b.node));
}
