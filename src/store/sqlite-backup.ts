/**
 * Backup and restore of the SQLite store as a SQLite file.
 *
 * The copy is made with SQLite's online backup API while other processes go on writing: in
 * WAL mode the copy reads from one read transaction and writers are not held up. It is made
 * in a single step, because a step-by-step copy restarts whenever another connection commits
 * in between, and under a steady writer would never end. The copy then drops its change
 * history (what watchers replay; a restored store starts a new history) and carries a table
 * `tessera_backup` with the header of backup-file.ts, whose SHA-256 covers every key: a copy
 * damaged afterwards fails either SQLite's integrity check or the checksum.
 */
import { closeSync, existsSync, openSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { rejected, TesseraError } from '../errors.js';
import {
  backupHeader,
  checkContent,
  checkHeader,
  damaged,
  entryLines,
  type BackupContent,
  type BackupHeader,
} from './backup-file.js';
import { isConfigurationKey } from './codec.js';

const SCHEMA_VERSION = 1;
const INFO_TABLE = 'tessera_backup';

function sqliteMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Removes a database file and what SQLite keeps beside it. */
export function removeDatabase(file: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal'])
    rmSync(`${file}${suffix}`, { force: true });
}

function readContent(db: Database.Database): BackupContent {
  const revision = db
    .prepare<[], number>("SELECT value FROM meta WHERE name = 'revision'")
    .pluck()
    .get();
  const entries = new Map<string, string>();
  for (const [key, value] of db
    .prepare<[], [string, string]>('SELECT key, value FROM entries')
    .raw(true)
    .iterate() as Iterable<[string, string]>)
    entries.set(key, value);
  return { revision: revision ?? 0, entries };
}

/**
 * Copies the store `source` into the new file `copy` (created owner-only here) and returns
 * its header. `copy` must not exist.
 */
export async function backupSqlite(
  source: string,
  copy: string,
  sourceUrl: string,
  now: Date,
): Promise<BackupHeader> {
  let db: Database.Database;
  try {
    // An absent store is an error, not a new empty one to back up.
    db = new Database(source, { fileMustExist: true });
    db.pragma('busy_timeout = 5000');
  } catch (err) {
    throw new TesseraError('store_unavailable', `SQLite store ${source}: ${sqliteMessage(err)}`, {
      cause: err,
    });
  }
  // The copy holds password hashes and sealed secrets: owner only from its first byte.
  closeSync(openSync(copy, 'wx', 0o600));
  try {
    await db.backup(copy, { progress: () => 0x7fffffff });
  } catch (err) {
    throw new TesseraError('store_unavailable', `SQLite store ${source}: ${sqliteMessage(err)}`, {
      cause: err,
    });
  } finally {
    db.close();
  }
  const out = new Database(copy, { fileMustExist: true });
  try {
    // One self-contained file, no write-ahead log beside it.
    out.pragma('journal_mode = DELETE');
    const schema = out
      .prepare<[], number>("SELECT value FROM meta WHERE name = 'schema'")
      .pluck()
      .get();
    if (schema !== SCHEMA_VERSION)
      throw new TesseraError(
        'store_unavailable',
        `SQLite store ${source} has schema ${String(schema)}, expected ${String(SCHEMA_VERSION)}`,
      );
    const content = readContent(out);
    const header = backupHeader(sourceUrl, content, now);
    out.transaction(() => {
      out.exec('DELETE FROM changes');
      out.prepare("UPDATE meta SET value = ? WHERE name = 'compacted'").run(content.revision);
      out.exec(`CREATE TABLE ${INFO_TABLE} (header TEXT NOT NULL)`);
      out.prepare(`INSERT INTO ${INFO_TABLE} (header) VALUES (?)`).run(JSON.stringify(header));
    })();
    // The dropped history leaves no pages behind.
    out.exec('VACUUM');
    return header;
  } finally {
    out.close();
  }
}

/**
 * Checks a SQLite backup (a copy the caller owns: it is opened for writing) and returns what
 * it holds: SQLite's integrity check, Tessera's schema and meta, the header and checksum.
 */
export function readSqliteBackup(
  file: string,
  shownAs: string,
): { header: BackupHeader; content: BackupContent } {
  let db: Database.Database;
  try {
    db = new Database(file, { fileMustExist: true });
  } catch (err) {
    throw damaged(shownAs, sqliteMessage(err));
  }
  try {
    const problems = db.pragma('integrity_check', { simple: false }) as {
      integrity_check: string;
    }[];
    const report = problems.map((row) => row.integrity_check);
    if (report.length !== 1 || report[0] !== 'ok')
      throw damaged(shownAs, `SQLite's integrity check: ${report.slice(0, 3).join('; ')}`);
    const tables = new Set(
      db.prepare<[], string>("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all(),
    );
    for (const table of ['meta', 'entries', 'changes', INFO_TABLE])
      if (!tables.has(table))
        throw damaged(shownAs, `it has no table "${table}" (not a backup made by tessera backup)`);
    const schema = db
      .prepare<[], number>("SELECT value FROM meta WHERE name = 'schema'")
      .pluck()
      .get();
    if (schema !== SCHEMA_VERSION)
      throw damaged(shownAs, `store schema ${String(schema)}, expected ${String(SCHEMA_VERSION)}`);
    const rows = db.prepare<[], string>(`SELECT header FROM ${INFO_TABLE}`).pluck().all();
    if (rows.length !== 1 || rows[0] === undefined)
      throw damaged(shownAs, `table ${INFO_TABLE} must hold one header`);
    let raw: unknown;
    try {
      raw = JSON.parse(rows[0]);
    } catch {
      throw damaged(shownAs, 'its header is not JSON');
    }
    const header = checkHeader(shownAs, raw);
    const content = readContent(db);
    if (content.revision !== header.revision)
      throw damaged(
        shownAs,
        `the store is at revision ${String(content.revision)}, the header says ${String(header.revision)}`,
      );
    checkContent(shownAs, header, entryLines(content.entries), content.entries.size);
    // Why: the checksum covers what a scan reads; a changed search key in an inner page of
    // the b-tree leaves the scan intact but sends lookups astray.
    const lookup = db.prepare<[string], string>('SELECT value FROM entries WHERE key = ?').pluck();
    for (const [key, value] of content.entries)
      if (lookup.get(key) !== value)
        throw damaged(shownAs, `key ${key} is not found where the table's index leads`);
    return { header, content };
  } catch (err) {
    if (err instanceof TesseraError) throw err;
    throw damaged(shownAs, sqliteMessage(err));
  } finally {
    db.close();
  }
}

/**
 * Makes sure no process has the store file open, and says whether it holds configuration.
 * Every connection to a WAL database keeps a shared lock while it is open, idle or not, so
 * an exclusive lock is granted only when no other process (a running `serve`, another
 * command) has the file open. The lock is given up before the file is replaced: a server
 * started in the moment between is not seen. A log a crashed process left is checkpointed
 * into the file, so that it cannot be replayed onto the restored one.
 */
export function claimSqliteTarget(file: string): { configurationKeys: number } {
  if (!existsSync(file)) return { configurationKeys: 0 };
  let db: Database.Database;
  try {
    db = new Database(file, { fileMustExist: true });
  } catch (err) {
    throw new TesseraError('store_unavailable', `SQLite store ${file}: ${sqliteMessage(err)}`, {
      cause: err,
    });
  }
  try {
    db.pragma('busy_timeout = 0');
    db.pragma('locking_mode = EXCLUSIVE');
    try {
      db.exec('BEGIN EXCLUSIVE');
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_BUSY')
        throw rejected(
          `the store ${file} is open in another process (a running tessera serve?): ` +
            'stop it before restoring; nothing restored',
          'store',
        );
      throw err;
    }
    const hasEntries =
      db
        .prepare<[], number>(
          "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'entries'",
        )
        .pluck()
        .get() === 1;
    const keys = hasEntries ? db.prepare<[], string>('SELECT key FROM entries').pluck().all() : [];
    db.exec('COMMIT');
    db.pragma('wal_checkpoint(TRUNCATE)');
    return { configurationKeys: keys.filter(isConfigurationKey).length };
  } catch (err) {
    if (err instanceof TesseraError) throw err;
    throw new TesseraError('store_unavailable', `SQLite store ${file}: ${sqliteMessage(err)}`, {
      cause: err,
    });
  } finally {
    db.close();
  }
}
