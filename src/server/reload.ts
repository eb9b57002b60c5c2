/**
 * What `serve` takes again without a restart: on SIGHUP everything it read from files at
 * start that an operator may replace (the HTTPS certificate, log files rotated away), on
 * SIGUSR1 the log files alone (what logrotate asks for). Each part reports what it did; a
 * part that fails keeps what it had (an unreadable or mismatched certificate leaves the
 * running one in place) and the others still run.
 */
import type { Io } from './io.js';

export type ReloadKind = 'all' | 'logs';

export interface ReloadPart {
  /** What is reloaded, for messages ("the HTTPS certificate"). */
  readonly what: string;
  /** `logs`: also on SIGUSR1; `all`: on SIGHUP only. */
  readonly kind: ReloadKind;
  /** Returns a line saying what changed, or `undefined` when there was nothing to say. */
  readonly run: () => Promise<string | undefined>;
}

export class Reloads {
  private readonly parts: ReloadPart[] = [];
  private running: Promise<void> = Promise.resolve();

  add(part: ReloadPart): void {
    this.parts.push(part);
  }

  /** Runs the parts of `kind` (one reload at a time: a second signal waits for the first). */
  run(kind: ReloadKind, io: Io): Promise<void> {
    const next = this.running.then(async () => {
      for (const part of this.parts) {
        if (kind === 'logs' && part.kind !== 'logs') continue;
        try {
          const said = await part.run();
          if (said !== undefined) io.err(`tessera: ${said}\n`);
        } catch (err) {
          io.err(
            `tessera: ${part.what} not reloaded, the previous one stays: ${err instanceof Error ? err.message : String(err)}\n`,
          );
        }
      }
    });
    this.running = next;
    return next;
  }
}

/** Runs `reloads` on SIGHUP (all) and SIGUSR1 (logs) until the returned function is called. */
export function reloadOnSignals(reloads: Reloads, io: Io): () => void {
  const all = (): void => void reloads.run('all', io);
  const logs = (): void => void reloads.run('logs', io);
  process.on('SIGHUP', all);
  process.on('SIGUSR1', logs);
  return () => {
    process.off('SIGHUP', all);
    process.off('SIGUSR1', logs);
  };
}
