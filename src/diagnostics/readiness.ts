/**
 * Whether this node should get traffic: what `GET /health/ready` answers and the metrics
 * report. A background check asks the store every few seconds whether it would take a write
 * (etcd: quorum; SQLite: its file and write lock; a Proxmox directory: the cluster lock), and
 * probes read only the last answer: a flood of probes costs no store call.
 */
import { isTesseraError } from '../errors.js';
import type { ConfigStore } from '../store/config-store.js';

/** Short, fixed reason codes: a probe's answer carries nothing else. */
export type NotReadyReason = 'starting' | 'stopping' | 'store unreachable' | 'store read-only';

export type ReadinessState =
  { readonly ready: true } | { readonly ready: false; readonly reason: NotReadyReason };

export interface ReadinessOptions {
  /** How often the store is asked (default 2 s). */
  readonly intervalMs?: number;
  /**
   * The longest a check may take before the store counts as unreachable (default 10 s). The
   * stores bound their own calls (etcd: its write timeout); this is the net under them.
   */
  readonly timeoutMs?: number;
  /** Told when the state changes, for the log. */
  readonly onChange?: (state: ReadinessState, previous: ReadinessState) => void;
}

const STARTING: ReadinessState = { ready: false, reason: 'starting' };

export class Readiness {
  private current: ReadinessState = STARTING;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<ReadinessState> | undefined;
  private stopped = false;
  private readonly intervalMs: number;
  private readonly timeoutMs: number;

  constructor(
    private readonly store: ConfigStore,
    private readonly options: ReadinessOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 2_000;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** The last check's answer; never waits. */
  get state(): ReadinessState {
    return this.current;
  }

  /** Checks now, then every interval; resolves after the first check. */
  async start(): Promise<ReadinessState> {
    const first = await this.check();
    if (!this.stopped) {
      this.timer = setInterval(() => void this.check(), this.intervalMs);
      this.timer.unref();
    }
    return first;
  }

  /** Not ready from now on: a load balancer drains the node before it closes. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.set({ ready: false, reason: 'stopping' });
  }

  /** One check; a check still running is joined, not doubled (a slow store stays one call). */
  check(): Promise<ReadinessState> {
    this.checking ??= this.ask().then((state) => {
      this.checking = undefined;
      if (!this.stopped) this.set(state);
      return this.current;
    });
    return this.checking;
  }

  private async ask(): Promise<ReadinessState> {
    // A store that never takes writes (a Proxmox directory read as it is) serves logins from
    // its snapshot, which is all it is for.
    if (!this.store.writable || this.store.canWrite === undefined) return { ready: true };
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.store.canWrite(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            reject(new Error('timed out'));
          }, this.timeoutMs);
        }),
      ]);
      return { ready: true };
    } catch (err) {
      return {
        ready: false,
        reason: isTesseraError(err, 'store_read_only') ? 'store read-only' : 'store unreachable',
      };
    } finally {
      clearTimeout(timer);
    }
  }

  private set(state: ReadinessState): void {
    const previous = this.current;
    const changed =
      state.ready !== previous.ready ||
      (!state.ready && !previous.ready && state.reason !== previous.reason);
    this.current = state;
    if (changed) this.options.onChange?.(state, previous);
  }
}
