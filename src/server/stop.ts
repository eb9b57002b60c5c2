/**
 * How `serve` stops: on the first SIGTERM or SIGINT, step by step within one time budget, so
 * that an unreachable store cannot hold the process (a second signal ends it at once).
 */
import type { Io } from './io.js';

/** Resolves on the first SIGTERM or SIGINT. */
export function signalled(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

/**
 * How long stopping may take: init systems kill a service that has not stopped after a while
 * (systemd after 90 s, but orchestrators and `docker stop` after 10 s, and a user at the
 * terminal much sooner). With the store unreachable, every write would wait for its own
 * timeout; instead every step gets what is left of one budget.
 */
export const STOP_BUDGET_MS = 4_000;

interface StopStep {
  readonly what: string;
  readonly run: () => Promise<unknown>;
  /** Called when the step is abandoned, to cut what it was waiting for. */
  readonly giveUp?: () => void;
  /** Time kept back for the steps after this one. */
  readonly reserveMs: number;
}

/** Runs the steps in order within `budgetMs`; says which were abandoned. True if none was. */
export async function stopWithin(
  budgetMs: number,
  io: Io,
  steps: readonly StopStep[],
): Promise<boolean> {
  const deadline = Date.now() + budgetMs;
  let complete = true;
  for (const step of steps) {
    let timer: NodeJS.Timeout | undefined;
    const left = Math.max(0, deadline - step.reserveMs - Date.now());
    const finished = await Promise.race([
      step.run().then(
        () => true,
        (err: unknown) => {
          io.err(
            `tessera: while stopping, ${step.what}: ${err instanceof Error ? err.message : String(err)}\n`,
          );
          return true;
        },
      ),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => {
          resolve(false);
        }, left);
      }),
    ]);
    clearTimeout(timer);
    if (!finished) {
      complete = false;
      step.giveUp?.();
      io.err(`tessera: stopped without waiting for ${step.what}\n`);
    }
  }
  return complete;
}
