/**
 * A store opened only when it is first needed: a read while its file does not exist sees an
 * empty store, and only a write creates it. Live on a node's /etc/pve, Tessera's sidecar is
 * such a store, so that `config check`, `user list` or `doctor` on the directory write
 * nothing anywhere, and the first change creates the sidecar in the data directory.
 */
import { access, constants, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { TesseraError } from '../errors.js';
import type {
  Condition,
  ConfigStore,
  Operation,
  StoreSnapshot,
  WatchListener,
} from './config-store.js';

export interface LazyStoreOptions {
  /** How often a watcher of a store not yet created looks for its file (default 500 ms). */
  readonly pollMs?: number;
}

interface PendingWatch {
  readonly fromRevision: number;
  readonly listener: WatchListener;
  stop?: () => void;
}

export class LazyStore implements ConfigStore {
  readonly url: string;
  readonly writable = true;
  private opening: Promise<ConfigStore> | undefined;
  private opened: ConfigStore | undefined;
  private readonly watches = new Set<PendingWatch>();
  private poller: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly pollMs: number;

  constructor(
    /** The file whose existence means the store exists. */
    readonly file: string,
    private readonly open: () => Promise<ConfigStore>,
    options: LazyStoreOptions = {},
  ) {
    this.url = `sqlite:${file}`;
    this.pollMs = options.pollMs ?? 500;
  }

  /** Whether the store has been created (by this process or another). */
  get exists(): boolean {
    return this.opened !== undefined || existsSync(this.file);
  }

  async snapshot(): Promise<StoreSnapshot> {
    if (!this.exists) return { revision: 0, entries: new Map(), diagnostics: [] };
    return (await this.store()).snapshot();
  }

  async transact(
    conditions: readonly Condition[],
    operations: readonly Operation[],
  ): Promise<number> {
    return (await this.store()).transact(conditions, operations);
  }

  watch(fromRevision: number, listener: WatchListener): () => void {
    const watch: PendingWatch = { fromRevision, listener };
    this.watches.add(watch);
    if (this.opened !== undefined) watch.stop = this.opened.watch(fromRevision, listener);
    else this.lookForFile();
    return () => {
      this.watches.delete(watch);
      watch.stop?.();
      if (this.watches.size === 0) this.stopLooking();
    };
  }

  /** Without the store yet: whether its file could be created (the nearest directory there is). */
  async canWrite(): Promise<void> {
    if (this.exists) {
      await (await this.store()).canWrite?.();
      return;
    }
    let dir = dirname(this.file);
    while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
    const refuse = (reason: string, cause?: unknown): TesseraError =>
      new TesseraError('store_unavailable', `cannot create ${this.file}: ${dir} ${reason}`, {
        cause,
      });
    if (!(await stat(dir)).isDirectory()) throw refuse('is not a directory');
    try {
      await access(dir, constants.W_OK | constants.X_OK);
    } catch (err) {
      throw refuse(`takes no new files (${(err as Error).message})`, err);
    }
  }

  async scrub(): Promise<void> {
    if (this.opened !== undefined) await this.opened.scrub?.();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopLooking();
    this.watches.clear();
    const store = await this.opening?.catch(() => undefined);
    await store?.close();
  }

  private store(): Promise<ConfigStore> {
    if (this.closed) return Promise.reject(new TesseraError('store_unavailable', 'store closed'));
    this.opening ??= this.open().then(
      (store) => {
        this.opened = store;
        this.stopLooking();
        for (const watch of this.watches)
          watch.stop ??= store.watch(watch.fromRevision, watch.listener);
        return store;
      },
      (err: unknown) => {
        this.opening = undefined;
        throw err;
      },
    );
    return this.opening;
  }

  /** Why: another process (a second `serve`, the CLI) may create the store first. */
  private lookForFile(): void {
    if (this.poller !== undefined || this.closed) return;
    this.poller = setInterval(() => {
      if (existsSync(this.file)) void this.store().catch(() => undefined);
    }, this.pollMs);
    this.poller.unref();
  }

  private stopLooking(): void {
    clearInterval(this.poller);
    this.poller = undefined;
  }
}
