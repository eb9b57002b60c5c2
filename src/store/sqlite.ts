/**
 * `sqlite:<file>`: the embedded default. One database file in WAL mode, so that readers
 * never wait for the writer and several processes on one machine may share it; every
 * commit is synced before it is acknowledged (`synchronous=FULL`), so an acknowledged change
 * survives a crash of the process or the machine. A table of recent changes lets watchers,
 * in this process or another one, replay what they missed.
 */
import { chmodSync, closeSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { TesseraError } from '../errors.js';
import {
  lastOperationPerKey,
  type Change,
  type ChangeBatch,
  type Condition,
  type ConfigStore,
  type Operation,
  type StoreEntry,
  type StoreSnapshot,
  type WatchListener,
} from './config-store.js';
import { isSecretKey } from './codec.js';
import { conflictError } from './memory.js';

export interface SqliteOptions {
  /** How often watchers look for commits made by other processes. */
  readonly pollIntervalMs?: number;
  /** How many revisions of change history are kept for watchers that fall behind. */
  readonly historyRevisions?: number;
}

/** How long a write waits for another process's write lock before it fails. */
const BUSY_TIMEOUT_MS = 5000;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
  INSERT OR IGNORE INTO meta (name, value) VALUES ('schema', 1), ('revision', 0), ('compacted', 0);
  CREATE TABLE IF NOT EXISTS entries (
    key TEXT PRIMARY KEY, value TEXT NOT NULL, revision INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS changes (
    revision INTEGER NOT NULL, seq INTEGER NOT NULL, key TEXT NOT NULL, value TEXT,
    PRIMARY KEY (revision, seq)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS changes_by_key ON changes (key, revision);
`;

interface Watcher {
  readonly listener: WatchListener;
  at: number;
}

export class SqliteStore implements ConfigStore {
  readonly url: string;
  readonly writable = true;
  private readonly db: Database.Database;
  private readonly watchers = new Set<Watcher>();
  private poller: NodeJS.Timeout | undefined;
  private readonly pollIntervalMs: number;
  private readonly historyRevisions: number;
  private readonly statements;
  /** The opened file's device and inode: whether the path still names it. */
  private readonly identity: string | undefined;

  constructor(
    readonly file: string,
    options: SqliteOptions = {},
  ) {
    this.url = `sqlite:${file}`;
    this.pollIntervalMs = options.pollIntervalMs ?? 50;
    this.historyRevisions = options.historyRevisions ?? 10_000;
    this.db = openDatabase(file);
    this.identity = file === ':memory:' ? undefined : fileIdentity(file);
    this.statements = {
      revision: this.db
        .prepare<[], number>("SELECT value FROM meta WHERE name = 'revision'")
        .pluck(),
      compacted: this.db
        .prepare<[], number>("SELECT value FROM meta WHERE name = 'compacted'")
        .pluck(),
      setMeta: this.db.prepare<[number, string]>('UPDATE meta SET value = ? WHERE name = ?'),
      entries: this.db.prepare<[], [string, string, number]>(
        'SELECT key, value, revision FROM entries',
      ),
      entryRevision: this.db
        .prepare<[string], number>('SELECT revision FROM entries WHERE key = ?')
        .pluck(),
      put: this.db.prepare<[string, string, number]>(
        'INSERT INTO entries (key, value, revision) VALUES (?, ?, ?) ' +
          'ON CONFLICT (key) DO UPDATE SET value = excluded.value, revision = excluded.revision',
      ),
      delete: this.db.prepare<[string]>('DELETE FROM entries WHERE key = ?'),
      record: this.db.prepare<[number, number, string, string | null]>(
        'INSERT INTO changes (revision, seq, key, value) VALUES (?, ?, ?, ?)',
      ),
      changesAfter: this.db.prepare<[number], [number, string, string | null]>(
        'SELECT revision, key, value FROM changes WHERE revision > ? ORDER BY revision, seq',
      ),
      prune: this.db.prepare<[number]>('DELETE FROM changes WHERE revision <= ?'),
      forget: this.db.prepare<[string, number]>(
        'DELETE FROM changes WHERE key = ? AND revision < ?',
      ),
    };
    this.statements.entries.raw(true);
    this.statements.changesAfter.raw(true);
  }

  snapshot(): Promise<StoreSnapshot> {
    return new Promise((resolve, reject) => {
      try {
        // One read transaction, so the entries are exactly those of the revision read.
        const read = this.db.transaction(() => {
          const revision = this.revision();
          const entries = new Map<string, StoreEntry>();
          for (const [key, value, entryRevision] of this.statements.entries.iterate() as Iterable<
            [string, string, number]
          >) {
            entries.set(key, { value, revision: entryRevision });
          }
          return { revision, entries, diagnostics: [] };
        });
        resolve(read.deferred());
      } catch (err) {
        reject(storeError(this.file, err));
      }
    });
  }

  transact(conditions: readonly Condition[], operations: readonly Operation[]): Promise<number> {
    const commit = this.db.transaction(() => {
      for (const condition of conditions) {
        const current = this.statements.entryRevision.get(condition.key) ?? 0;
        if (current !== condition.revision) throw conflictError(condition.key);
      }
      const revision = this.revision() + 1;
      lastOperationPerKey(operations).forEach((operation, seq) => {
        // The history keeps no old value of a secret: a watcher that replays it gets the
        // latest one, which is all it needs (it applies batches in order).
        if (isSecretKey(operation.key)) this.statements.forget.run(operation.key, revision);
        if (operation.op === 'put') {
          this.statements.put.run(operation.key, operation.value, revision);
          this.statements.record.run(revision, seq, operation.key, operation.value);
        } else {
          this.statements.delete.run(operation.key);
          this.statements.record.run(revision, seq, operation.key, null);
        }
      });
      this.statements.setMeta.run(revision, 'revision');
      if (revision % 100 === 0 && revision > this.historyRevisions) {
        const compacted = revision - this.historyRevisions;
        this.statements.prune.run(compacted);
        this.statements.setMeta.run(compacted, 'compacted');
      }
      return revision;
    });
    try {
      // IMMEDIATE takes the write lock before reading, so conditions and writes see the
      // same state even with other processes writing.
      const revision = commit.immediate();
      queueMicrotask(() => {
        this.deliver();
      });
      return Promise.resolve(revision);
    } catch (err) {
      if (err instanceof TesseraError) return Promise.reject(err);
      return Promise.reject(storeError(this.file, err));
    }
  }

  watch(fromRevision: number, listener: WatchListener): () => void {
    const watcher: Watcher = { listener, at: fromRevision };
    this.watchers.add(watcher);
    this.poller ??= setInterval(() => {
      this.deliver();
    }, this.pollIntervalMs).unref();
    queueMicrotask(() => {
      this.deliver();
    });
    return () => {
      this.watchers.delete(watcher);
      if (this.watchers.size === 0 && this.poller) {
        clearInterval(this.poller);
        this.poller = undefined;
      }
    };
  }

  canWrite(): Promise<void> {
    try {
      // A file deleted or replaced under the running process still takes writes through the
      // open handle, and they are lost at the next start: that is no store to write to.
      if (this.identity !== undefined && fileIdentity(this.file) !== this.identity)
        throw new Error('the database file was removed or replaced since it was opened');
      this.tryWriteLock();
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(storeError(this.file, err));
    }
  }

  /**
   * IMMEDIATE takes the write lock, and nothing is written. Without waiting: the check runs
   * on the event loop (readiness asks every few seconds), and a lock another process holds
   * means a writer is at work, which says the database takes writes.
   */
  private tryWriteLock(): void {
    this.db.pragma('busy_timeout = 0');
    try {
      this.db.transaction(() => undefined).immediate();
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'SQLITE_BUSY') throw err;
    } finally {
      this.db.pragma(`busy_timeout = ${String(BUSY_TIMEOUT_MS)}`);
    }
  }

  /**
   * Ends the write-ahead log's copies of pages: old values replaced or deleted since the last
   * checkpoint are in it, even with `secure_delete` zeroing them in the database file.
   */
  scrub(): Promise<void> {
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(storeError(this.file, err));
    }
  }

  close(): Promise<void> {
    this.watchers.clear();
    if (this.poller) clearInterval(this.poller);
    this.poller = undefined;
    if (this.db.open) this.db.close();
    return Promise.resolve();
  }

  private revision(): number {
    return this.statements.revision.get() ?? 0;
  }

  /** Hands every watcher the batches after its revision, or a reset if they are gone. */
  private deliver(): void {
    if (this.watchers.size === 0 || !this.db.open) return;
    let revision: number;
    try {
      revision = this.revision();
    } catch (err) {
      for (const watcher of this.watchers)
        watcher.listener.onReset(storeError(this.file, err).message);
      return;
    }
    const behind = [...this.watchers].filter((w) => w.at < revision);
    if (behind.length === 0) return;
    const from = Math.min(...behind.map((w) => w.at));
    const read = this.db.transaction(() => ({
      compacted: this.statements.compacted.get() ?? 0,
      rows: this.statements.changesAfter.all(from),
    }));
    const { compacted, rows } = read.deferred();
    const batches = groupByRevision(rows);
    for (const watcher of behind) {
      if (watcher.at < compacted) {
        watcher.listener.onReset(
          `change history before revision ${String(compacted + 1)} was compacted`,
        );
        watcher.at = revision;
        continue;
      }
      for (const batch of batches) {
        if (batch.revision <= watcher.at) continue;
        watcher.at = batch.revision;
        watcher.listener.onChanges(batch);
      }
    }
  }
}

function groupByRevision(rows: readonly [number, string, string | null][]): ChangeBatch[] {
  const batches: { revision: number; changes: Change[] }[] = [];
  for (const [revision, key, value] of rows) {
    let last = batches[batches.length - 1];
    if (last?.revision !== revision) {
      last = { revision, changes: [] };
      batches.push(last);
    }
    last.changes.push({ key, value: value ?? undefined });
  }
  return batches;
}

function openDatabase(file: string): Database.Database {
  try {
    if (file !== ':memory:') {
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      // The database holds password hashes and token secrets: owner only. SQLite gives its
      // WAL and shared-memory files the same mode.
      closeSync(openSync(file, 'a', 0o600));
      chmodSync(file, 0o600);
      refuseForeignFile(file);
    }
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma(`busy_timeout = ${String(BUSY_TIMEOUT_MS)}`);
    // Deleted rows (old secrets among them) are overwritten with zeros, not left in free
    // pages of the file.
    db.pragma('secure_delete = ON');
    db.exec(SCHEMA);
    return db;
  } catch (err) {
    throw storeError(file, err);
  }
}

function fileIdentity(file: string): string | undefined {
  const stat = statSync(file, { throwIfNoEntry: false });
  return stat === undefined ? undefined : `${String(stat.dev)}:${String(stat.ino)}`;
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * A file that is not empty must begin with SQLite's header. SQLite itself reads a file
 * shorter than its header as a new database and then replays a write-ahead log left beside
 * it: a database overwritten with something else would come back from the log's pages alone,
 * partly or wholly depending on when the log was last checkpointed.
 */
function refuseForeignFile(file: string): void {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(SQLITE_HEADER.length);
    const read = readSync(fd, head, 0, head.length, 0);
    if (read > 0 && !(read === head.length && head.equals(SQLITE_HEADER)))
      throw new Error('file is not a database');
  } finally {
    closeSync(fd);
  }
}

function storeError(file: string, err: unknown): TesseraError {
  const message = err instanceof Error ? err.message : String(err);
  return new TesseraError('store_unavailable', `SQLite store ${file}: ${message}`, { cause: err });
}
