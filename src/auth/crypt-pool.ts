/**
 * crypt(3) hashing in worker threads, so that verifying an imported `$5$`/`$6$` hash never
 * blocks the event loop. Workers start when first needed and do not keep the process alive.
 * A job that runs longer than its limit (the inputs are bounded, so it never should) ends its
 * worker and fails.
 */
import { Worker } from 'node:worker_threads';

interface Pending {
  readonly resolve: (hash: string) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

interface Job {
  readonly id: number;
  readonly password: string;
  readonly salt: string;
  readonly resolve: (hash: string) => void;
  readonly reject: (err: Error) => void;
}

class CryptWorker {
  private readonly worker: Worker;
  private pending: (Pending & { readonly id: number }) | undefined;
  dead = false;

  constructor(private readonly onIdle: (worker: CryptWorker) => void) {
    this.worker = new Worker(new URL('./crypt-worker.js', import.meta.url));
    this.worker.on('message', (message: { id: number; hash?: string; error?: string }) => {
      const pending = this.pending;
      if (pending?.id !== message.id) return;
      this.pending = undefined;
      clearTimeout(pending.timer);
      this.worker.unref();
      if (message.hash !== undefined) pending.resolve(message.hash);
      else pending.reject(new Error(message.error ?? 'crypt failed'));
      this.onIdle(this);
    });
    const fail = (err: Error): void => {
      this.dead = true;
      const pending = this.pending;
      this.pending = undefined;
      if (pending) {
        clearTimeout(pending.timer);
        pending.reject(err);
      }
    };
    this.worker.on('error', fail);
    this.worker.on('exit', () => {
      fail(new Error('crypt worker exited'));
    });
    // Idle workers keep no process alive (after the listeners: adding one takes a reference).
    this.worker.unref();
  }

  get busy(): boolean {
    return this.pending !== undefined;
  }

  run(job: Job, limitMs: number): void {
    const timer = setTimeout(() => {
      // Why: the only way to stop a synchronous computation is to end its thread.
      this.dead = true;
      void this.worker.terminate();
      const pending = this.pending;
      this.pending = undefined;
      pending?.reject(new Error(`crypt took longer than ${String(limitMs)} ms`));
    }, limitMs);
    timer.unref();
    this.pending = { id: job.id, resolve: job.resolve, reject: job.reject, timer };
    // A job in progress does keep the process alive: something awaits its answer.
    this.worker.ref();
    this.worker.postMessage({ id: job.id, password: job.password, salt: job.salt });
  }
}

export class CryptPool {
  private readonly workers: CryptWorker[] = [];
  private readonly queue: Job[] = [];
  private nextId = 0;

  constructor(
    private readonly size: number,
    private readonly limitMs = 10_000,
  ) {}

  /** crypt(3) of `password` with `salt` (`$6$[rounds=N$]salt`), computed in a worker. */
  crypt(password: string, salt: string): Promise<string> {
    return new Promise((resolve, reject) => {
      this.queue.push({ id: ++this.nextId, password, salt, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (let i = this.workers.length - 1; i >= 0; i--)
      if (this.workers[i]?.dead === true) this.workers.splice(i, 1);
    while (this.queue.length > 0) {
      let worker = this.workers.find((w) => !w.busy && !w.dead);
      if (!worker && this.workers.length < this.size) {
        worker = new CryptWorker(() => {
          this.dispatch();
        });
        this.workers.push(worker);
      }
      const job = worker ? this.queue.shift() : undefined;
      if (!worker || !job) return;
      const settle = (): void => {
        queueMicrotask(() => {
          this.dispatch();
        });
      };
      worker.run(
        {
          ...job,
          resolve: (hash) => {
            job.resolve(hash);
          },
          reject: (err) => {
            job.reject(err);
            settle();
          },
        },
        this.limitMs,
      );
    }
  }
}
