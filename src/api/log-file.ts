/**
 * A log file `serve` appends to: the access log, the authentication log, the audit log. Lines
 * go through a write stream, so a request never waits for the disk; a file logrotate moved
 * away is let go by {@link LogFile.reopen} (SIGUSR1, SIGHUP: src/server/reload.ts), after the
 * lines already given to the old file have reached it, so none is lost in the rotation.
 */
import { createWriteStream, type WriteStream } from 'node:fs';

/**
 * How much may wait for the disk before lines are dropped: a full or hung disk must cost
 * memory up to here, not the server. Dropped lines are counted and said in the file.
 */
export const LOG_BUFFER_BYTES = 1024 * 1024;

export class LogFile {
  private stream: WriteStream;
  /** Called after each write to the current stream: where a failed write is noticed. */
  private written: (err?: Error | null) => void = () => undefined;
  private dropped = 0;
  private failed = false;

  /**
   * @param onError told once per opened file when writing fails (a full disk, a removed
   *   directory); lines are dropped until the next reopen.
   */
  constructor(
    readonly path: string,
    private readonly onError: (err: Error) => void = () => undefined,
  ) {
    this.stream = this.open();
  }

  private open(): WriteStream {
    this.failed = false;
    const stream = createWriteStream(this.path, { flags: 'a', mode: 0o640 });
    const failed = (err: Error | null | undefined): void => {
      // The stream is destroyed by now; what was buffered is gone, and said once.
      if (err === null || err === undefined || stream !== this.stream || this.failed) return;
      this.failed = true;
      this.onError(err);
    };
    // A failed open is an 'error' event only; a failed write reaches its callback as well,
    // and the event may not come at all once the stream is ending.
    stream.on('error', failed);
    this.written = failed;
    return stream;
  }

  /** Appends `line` (which ends with a newline), unless too much already waits for the disk. */
  write(line: string): void {
    if (this.failed || this.stream.destroyed) return;
    if (this.stream.writableLength + line.length > LOG_BUFFER_BYTES) {
      this.dropped += 1;
      return;
    }
    if (this.dropped > 0) {
      this.stream.write(
        `tessera: ${String(this.dropped)} line(s) dropped while the disk did not keep up\n`,
        this.written,
      );
      this.dropped = 0;
    }
    this.stream.write(line, this.written);
  }

  /** Opens the path again (a new file if it was moved away); the old file gets its lines. */
  reopen(): Promise<void> {
    const old = this.stream;
    this.stream = this.open();
    return finish(old);
  }

  close(): Promise<void> {
    return finish(this.stream);
  }
}

function finish(stream: WriteStream): Promise<void> {
  if (stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    stream.once('error', () => {
      resolve();
    });
    stream.end(resolve);
  });
}
