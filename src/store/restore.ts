/**
 * `tessera restore`: every check first, then one write. A backup is read and checked
 * (format, checksum, count, SQLite's integrity), every sealed value is opened with the store
 * key the target will use (a wrong or missing key stops here) and every value decoded as
 * the codec expects; then the target is checked (no process has a SQLite file open, no
 * configuration in it unless forced). Only then is it replaced: a SQLite file by a new one
 * renamed into place, any other store by one transaction that deletes its keys and puts the
 * backup's.
 */
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { rejected, TesseraError } from '../errors.js';
import { assemble } from './assemble.js';
import { asideOf, syncDirectory } from './backup.js';
import { damaged, parseBackup, type BackupContent } from './backup-file.js';
import { isConfigurationKey } from './codec.js';
import type { ConfigStore, Operation, StoreEntry } from './config-store.js';
import { isSealed, sealedKeyId, unseal } from './sealed.js';
import { claimSqliteTarget, readSqliteBackup, removeDatabase } from './sqlite-backup.js';
import { SqliteStore } from './sqlite.js';
import type { StoreKeySource } from './store-key.js';

export interface RestoreResult {
  /** The revision the backup was taken at. */
  readonly revision: number;
  readonly keys: number;
  /** The store's revision after the restore. */
  readonly storeRevision: number;
  readonly sealedWith: readonly string[];
  /** How many configuration keys the target held before (replaced with --force). */
  readonly replaced: number;
}

export interface RestoreOptions {
  readonly force: boolean;
  /** The store key the target uses: every sealed value of the backup must open with it. */
  readonly keys: StoreKeySource;
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

function unreadable(file: string, err: unknown): TesseraError {
  return new TesseraError(
    'invalid_value',
    `backup ${file}: ${err instanceof Error ? err.message : String(err)}`,
    { field: 'file' },
  );
}

function isSqliteFile(file: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    throw unreadable(file, err);
  }
  try {
    const head = Buffer.alloc(SQLITE_HEADER.length);
    return readSync(fd, head, 0, head.length, 0) === head.length && head.equals(SQLITE_HEADER);
  } finally {
    closeSync(fd);
  }
}

/**
 * Opens every sealed value with the target's key and decodes every value. Secrets opened
 * here stay in this function: nothing of them is printed or kept.
 */
export function checkBackupOpens(file: string, content: BackupContent, keys: StoreKeySource): void {
  const key = keys.load();
  const entries = new Map<string, StoreEntry>();
  for (const [name, value] of content.entries) {
    let plain = value;
    if (isSealed(value)) {
      const id = sealedKeyId(value) ?? '';
      // Why before anything is written: a store restored under another key opens nothing.
      if (key === undefined)
        throw rejected(
          `backup ${file} holds secrets sealed with store key ${id}, and there is no store key ` +
            `at ${keys.where}: copy the key of the store the backup was taken from there ` +
            '(mode 0600); nothing restored',
          'file',
        );
      if (key.id !== id)
        throw rejected(
          `backup ${file} holds secrets sealed with store key ${id}, but the store key ` +
            `${keys.where} is key ${key.id}: restore needs the key of the store the backup was ` +
            'taken from; nothing restored',
          'file',
        );
      try {
        plain = unseal(key, keys.where, name, value);
      } catch (err) {
        throw damaged(file, err instanceof Error ? err.message : String(err));
      }
    }
    entries.set(name, { value: plain, revision: content.revision });
  }
  const problems = assemble({ revision: content.revision, entries, diagnostics: [] }).diagnostics;
  const first = problems.find((d) => d.severity === 'error');
  if (first !== undefined)
    throw damaged(file, `the value of ${first.file} does not decode (${first.message})`);
}

function refuseConfiguration(store: string, count: number, force: boolean): void {
  // Why: a restore replaces every key; configuration made since would be lost unasked.
  if (count > 0 && !force)
    throw rejected(
      `the store ${store} holds a configuration (${String(count)} key(s)): pass --force to ` +
        'replace it with the backup; nothing restored',
      'store',
    );
}

/** Reads and checks a backup of either kind; a SQLite one through its copy at `copy`. */
function readBackup(file: string, copy: string): BackupContent {
  if (isSqliteFile(file)) {
    // The checks open the file for writing: they run on a copy, never on the backup itself.
    copyFileSync(file, copy);
    return readSqliteBackup(copy, file).content;
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw unreadable(file, err);
  }
  return parseBackup(file, text);
}

function sealedWith(content: BackupContent): string[] {
  const ids = new Set<string>();
  for (const value of content.entries.values()) {
    const id = sealedKeyId(value);
    if (id !== undefined) ids.add(id);
  }
  return [...ids].sort();
}

/**
 * Restores into the SQLite file `target`, which no process may have open. The new file is
 * written afresh from the checked keys in one transaction, whatever the backup's kind: pages
 * of a SQLite backup are not taken over, so damage in them that leaves every key and value
 * intact (a search key in a b-tree's inner page) stays behind.
 */
export async function restoreSqlite(
  file: string,
  target: string,
  options: RestoreOptions,
): Promise<RestoreResult> {
  const dir = dirname(target);
  const madeDir = !existsSync(dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const aside = asideOf(target);
  let done = false;
  try {
    let content: BackupContent;
    try {
      content = readBackup(file, aside);
    } finally {
      removeDatabase(aside);
    }
    checkBackupOpens(file, content, options.keys);
    const { configurationKeys } = claimSqliteTarget(target);
    refuseConfiguration(`sqlite:${target}`, configurationKeys, options.force);
    const store = new SqliteStore(aside);
    let storeRevision: number;
    try {
      storeRevision = await store.transact([], puts(content));
    } finally {
      await store.close();
    }
    // A log or shared-memory file left of the old database must not meet the new one.
    rmSync(`${target}-wal`, { force: true });
    rmSync(`${target}-shm`, { force: true });
    renameSync(aside, target);
    syncDirectory(dir);
    done = true;
    return {
      revision: content.revision,
      keys: content.entries.size,
      storeRevision,
      sealedWith: sealedWith(content),
      replaced: configurationKeys,
    };
  } finally {
    removeDatabase(aside);
    // A refused restore leaves no trace, not even the directory it would have gone to.
    if (madeDir && !done) rmSync(dir, { recursive: true, force: true });
  }
}

function puts(content: BackupContent): Operation[] {
  return [...content.entries].map(([key, value]) => ({ op: 'put', key, value }));
}

/**
 * Restores into a store other than SQLite (`store` is the adapter itself, not the sealing
 * wrapper: the values go in sealed as they are) in one transaction, conditioned on every key
 * the store held when it was read: a write that comes in between fails the restore.
 */
export async function restoreStore(
  file: string,
  store: ConfigStore,
  options: RestoreOptions,
): Promise<RestoreResult> {
  // A SQLite backup is checked through a copy, in a directory of this process's own.
  const workDir = mkdtempSync(join(tmpdir(), 'tessera-restore-'));
  let content: BackupContent;
  try {
    content = readBackup(file, join(workDir, 'backup.db'));
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  checkBackupOpens(file, content, options.keys);
  const current = await store.snapshot();
  const configurationKeys = [...current.entries.keys()].filter(isConfigurationKey).length;
  refuseConfiguration(store.url, configurationKeys, options.force);
  const deletes: Operation[] = [...current.entries.keys()]
    .filter((key) => !content.entries.has(key))
    .map((key) => ({ op: 'delete', key }));
  let storeRevision: number;
  try {
    storeRevision = await store.transact(
      [...current.entries].map(([key, entry]) => ({ key, revision: entry.revision })),
      [...deletes, ...puts(content)],
    );
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (/too many operations|request is too large|too large/i.test(message))
      throw new TesseraError(
        'store_unavailable',
        `${message}: the restore is one transaction of ${String(deletes.length + content.entries.size)} ` +
          'operations; start the etcd members with --max-txn-ops and --max-request-bytes large ' +
          "enough (docs/backup.md), or restore with etcd's own snapshot; nothing restored",
        { cause: err },
      );
    throw err;
  }
  return {
    revision: content.revision,
    keys: content.entries.size,
    storeRevision,
    sealedWith: sealedWith(content),
    replaced: configurationKeys,
  };
}
