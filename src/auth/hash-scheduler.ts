/**
 * The queue in front of password hashing (argon2 and crypt), fair per source (see
 * source.ts). Hashing is CPU work with a few slots; a plain first-in-first-out queue let a
 * flood of wrong passwords from many addresses delay every real login by seconds.
 *
 * - The next job is taken from the source that has used the least hashing lately (a count
 *   that halves every minute; a successful check is not counted). A client that rarely logs
 *   in is served next, however long the flood's queue is. Among sources that used equally
 *   little (a flood's first wave, all new), the one that came last goes first: it is the
 *   one whose client is still waiting with the least time lost (an adaptive LIFO).
 * - A few slots are kept for quiet sources, those that failed no check lately: a client that
 *   logs in now and then does not even wait for the flood's running hash to finish.
 * - The queue is bounded, in total and per source. When it is full, a newcomer that has used
 *   less than the heaviest queued source takes that source's newest place; otherwise the
 *   newcomer is refused. A job that waited too long is refused. Refusals are authentication
 *   failures with the cause `login_overloaded`.
 */
import { AuthFailure } from '../errors.js';

export interface SchedulerLimits {
  /** Jobs that run at once, for any source. */
  readonly slots: number;
  /** More jobs that may run at once for quiet sources only. */
  readonly quietSlots: number;
  readonly maxQueued: number;
  readonly maxQueuedPerSource: number;
  readonly maxWaitMs: number;
  /** How fast a source's past use is forgotten. */
  readonly halfLifeMs: number;
}

interface Job {
  readonly source: SourceState;
  readonly sequence: number;
  readonly start: (lane: Lane) => void;
  readonly refuse: (err: AuthFailure) => void;
  timer: NodeJS.Timeout | undefined;
}

interface SourceState {
  readonly name: string;
  usage: number;
  /** When `usage` was last brought up to date (ms). */
  at: number;
  readonly queue: Job[];
}

const MAX_SOURCES = 100_000;

/** Below this, a source failed no check in about the last half-life. */
const QUIET_USAGE = 0.5;

type Lane = 'shared' | 'quiet';

export class HashScheduler {
  private running = 0;
  private runningQuiet = 0;
  private queued = 0;
  private sequence = 0;
  private readonly sources = new Map<string, SourceState>();

  constructor(
    readonly limits: SchedulerLimits,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /**
   * Runs `work` when a slot is free and it is `source`'s turn. `succeeded` says whether the
   * result was a successful check, which is not held against the source.
   */
  async run<T>(
    source: string,
    work: () => Promise<T>,
    succeeded: (result: T) => boolean = () => false,
  ): Promise<T> {
    const state = this.state(source);
    const lane = await this.turn(state);
    try {
      const result = await work();
      if (succeeded(result)) this.charge(state, -1);
      return result;
    } finally {
      if (lane === 'shared') this.running--;
      else this.runningQuiet--;
      this.next();
    }
  }

  /** Jobs waiting, for tests and benchmarks. */
  get waiting(): number {
    return this.queued;
  }

  private turn(state: SourceState): Promise<Lane> {
    // Charged as a job is let in, not when its promise resumes: a source's next job, asked
    // for in the same turn, must not count as quiet.
    if (this.running < this.limits.slots && this.queued === 0) {
      this.running++;
      this.charge(state, 1);
      return Promise.resolve('shared');
    }
    if (this.runningQuiet < this.limits.quietSlots && this.quiet(state, this.clock())) {
      this.runningQuiet++;
      this.charge(state, 1);
      return Promise.resolve('quiet');
    }
    if (state.queue.length >= this.limits.maxQueuedPerSource)
      return Promise.reject(
        overloaded(`${state.name} has ${String(state.queue.length)} password checks queued`),
      );
    if (this.queued >= this.limits.maxQueued && !this.evictFor(state))
      return Promise.reject(overloaded(`${String(this.queued)} password checks queued`));
    return new Promise<Lane>((resolve, reject) => {
      const job: Job = {
        source: state,
        sequence: ++this.sequence,
        start: resolve,
        refuse: reject,
        timer: undefined,
      };
      job.timer = setTimeout(() => {
        this.remove(job);
        job.refuse(overloaded(`waited ${String(this.limits.maxWaitMs)} ms for a password check`));
      }, this.limits.maxWaitMs);
      job.timer.unref();
      state.queue.push(job);
      this.queued++;
    });
  }

  /** Frees a place for `state` by dropping the newest job of a heavier source. */
  private evictFor(state: SourceState): boolean {
    const now = this.clock();
    let heaviest: SourceState | undefined;
    for (const other of this.sources.values())
      if (
        other.queue.length > 0 &&
        (!heaviest || this.usage(other, now) > this.usage(heaviest, now))
      )
        heaviest = other;
    if (!heaviest || heaviest === state || this.usage(heaviest, now) <= this.usage(state, now))
      return false;
    const victim = heaviest.queue[heaviest.queue.length - 1];
    if (!victim) return false;
    this.remove(victim);
    victim.refuse(overloaded(`dropped from a full queue for a source with less use`));
    return true;
  }

  private remove(job: Job): void {
    const index = job.source.queue.indexOf(job);
    if (index < 0) return;
    job.source.queue.splice(index, 1);
    this.queued--;
    clearTimeout(job.timer);
  }

  private next(): void {
    while (this.running < this.limits.slots && this.queued > 0) {
      const best = this.best(false);
      if (!best) return;
      this.remove(best);
      this.running++;
      this.charge(best.source, 1);
      best.start('shared');
    }
    while (this.runningQuiet < this.limits.quietSlots && this.queued > 0) {
      const best = this.best(true);
      if (!best) return;
      this.remove(best);
      this.runningQuiet++;
      this.charge(best.source, 1);
      best.start('quiet');
    }
  }

  /** The next job: of the least used source; among equals, the newest. */
  private best(quietOnly: boolean): Job | undefined {
    const now = this.clock();
    let best: Job | undefined;
    let bestUsage = Infinity;
    for (const state of this.sources.values()) {
      const head = state.queue[0];
      if (!head) continue;
      const usage = this.usage(state, now);
      if (quietOnly && usage >= QUIET_USAGE) continue;
      if (usage < bestUsage || (usage === bestUsage && best && head.sequence > best.sequence)) {
        best = head;
        bestUsage = usage;
      }
    }
    return best;
  }

  private quiet(state: SourceState, now: number): boolean {
    return this.usage(state, now) < QUIET_USAGE;
  }

  private usage(state: SourceState, now: number): number {
    return state.usage * 2 ** (-(now - state.at) / this.limits.halfLifeMs);
  }

  private charge(state: SourceState, amount: number): void {
    const now = this.clock();
    state.usage = Math.max(0, this.usage(state, now) + amount);
    state.at = now;
  }

  private state(name: string): SourceState {
    let state = this.sources.get(name);
    if (!state) {
      if (this.sources.size >= MAX_SOURCES) this.prune();
      state = { name, usage: 0, at: this.clock(), queue: [] };
      this.sources.set(name, state);
    }
    return state;
  }

  /** Forgets sources with nothing queued, least used first when that is not enough. */
  private prune(): void {
    const now = this.clock();
    for (const [name, state] of this.sources)
      if (state.queue.length === 0 && this.usage(state, now) < 0.05) this.sources.delete(name);
    if (this.sources.size < MAX_SOURCES / 2) return;
    for (const [name, state] of this.sources) {
      if (state.queue.length === 0) this.sources.delete(name);
      if (this.sources.size < MAX_SOURCES / 2) return;
    }
  }
}

function overloaded(detail: string): AuthFailure {
  return new AuthFailure(`password checks overloaded: ${detail}`, 'login_overloaded');
}
