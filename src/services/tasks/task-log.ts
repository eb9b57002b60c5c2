/**
 * A running task's log, written to the store while the task runs: lines are buffered and
 * written at most every {@link FLUSH_MS} (a sync of thousands of users costs a few writes a
 * second, not one per line), in chunks of {@link TASK_LIMITS.CHUNK_LINES} lines. The chunk
 * being filled is rewritten whole; a full chunk is written once more and left alone. Writes
 * happen one after another, in order.
 */
import type { ConfigStore, Operation } from '../../store/config-store.js';
import { taskLogKey } from '../../store/task-keys.js';
import { TASK_LIMITS } from './records.js';

const FLUSH_MS = 200;

export class TaskLogWriter {
  private chunk = 0;
  private current: string[] = [];
  private currentChars = 0;
  private full: { readonly chunk: number; readonly lines: readonly string[] }[] = [];
  private dirty = false;
  private kept = 0;
  private omitted = 0;
  private timer: NodeJS.Timeout | undefined;
  private queue: Promise<void> = Promise.resolve();
  /** The last write that failed (the store read-only): retried with the next one. */
  lastError: unknown;

  constructor(
    private readonly store: ConfigStore,
    private readonly upid: string,
    private readonly onLine?: (line: string) => void,
  ) {}

  /** Adds text (one line or several); long lines are cut, lines beyond the limit counted. */
  write(text: string): void {
    for (const raw of text.replace(/\n$/, '').split('\n')) {
      this.onLine?.(raw);
      // One line is left for the task's end, and one for saying what was left out.
      if (this.kept >= TASK_LIMITS.MAX_LOG_LINES - 2) {
        this.omitted++;
        continue;
      }
      this.push(
        raw.length > TASK_LIMITS.MAX_LINE_CHARS ? raw.slice(0, TASK_LIMITS.MAX_LINE_CHARS) : raw,
      );
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush().catch(() => undefined);
    }, FLUSH_MS);
  }

  /** Writes what is buffered, with `extra` operations in the same transaction. */
  flush(extra: readonly Operation[] = []): Promise<void> {
    const next = this.queue.then(() => this.writeOut(extra));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** The last lines (the end status, and what was left out), written with `extra`. */
  async finish(lastLine: string, extra: readonly Operation[]): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.omitted > 0) this.push(`(${String(this.omitted)} more log lines not kept)`);
    this.onLine?.(lastLine);
    this.push(lastLine);
    await this.flush(extra);
  }

  private push(line: string): void {
    this.current.push(line);
    this.currentChars += line.length;
    this.kept++;
    this.dirty = true;
    if (
      this.current.length >= TASK_LIMITS.CHUNK_LINES ||
      this.currentChars >= TASK_LIMITS.CHUNK_CHARS
    ) {
      this.full.push({ chunk: this.chunk, lines: this.current });
      this.chunk++;
      this.current = [];
      this.currentChars = 0;
      this.dirty = false;
    }
  }

  private async writeOut(extra: readonly Operation[]): Promise<void> {
    // Full chunks beyond one transaction's share go first, each batch on its own.
    while (this.full.length > TASK_LIMITS.CHUNKS_PER_WRITE) {
      const batch = this.full.slice(0, TASK_LIMITS.CHUNKS_PER_WRITE);
      await this.transact(batch.map((c) => this.chunkPut(c.chunk, c.lines)));
      this.full = this.full.slice(batch.length);
    }
    const full = this.full;
    const operations: Operation[] = full.map((c) => this.chunkPut(c.chunk, c.lines));
    const dirty = this.dirty;
    if (dirty) operations.push(this.chunkPut(this.chunk, this.current));
    operations.push(...extra);
    if (operations.length === 0) return;
    this.full = [];
    this.dirty = false;
    try {
      await this.transact(operations);
    } catch (err) {
      // Kept for the next write; the lines are still in memory.
      this.full = [...full, ...this.full];
      if (dirty) this.dirty = true;
      throw err;
    }
  }

  private chunkPut(chunk: number, lines: readonly string[]): Operation {
    return { op: 'put', key: taskLogKey(this.upid, chunk), value: JSON.stringify(lines) };
  }

  private async transact(operations: Operation[]): Promise<void> {
    try {
      await this.store.transact([], operations);
      this.lastError = undefined;
    } catch (err) {
      this.lastError = err;
      throw err;
    }
  }
}
