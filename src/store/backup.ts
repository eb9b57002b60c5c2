/**
 * `tessera backup`: a consistent copy of the store at one revision, secrets sealed as they
 * are stored (nothing here opens them). SQLite stores are copied as a SQLite file
 * (sqlite-backup.ts); others are read at one revision and written as a text backup
 * (backup-file.ts). The file is written beside its final name and linked into place, so it
 * is whole or absent, and an existing file is replaced only when asked.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  linkSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { rejected, TesseraError } from '../errors.js';
import { serializeBackup, type BackupContent } from './backup-file.js';
import type { ConfigStore, StoreSnapshot } from './config-store.js';
import { sealedKeyId } from './sealed.js';
import { backupSqlite, readSqliteBackup, removeDatabase } from './sqlite-backup.js';

export interface BackupResult {
  readonly file: string;
  readonly revision: number;
  readonly keys: number;
  readonly sha256: string;
  /** The ids of the store keys the backup's secrets are sealed with (normally one). */
  readonly sealedWith: readonly string[];
}

/** A name beside `file` for writing it before it takes its place. */
export function asideOf(file: string): string {
  return join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
}

/** Refuses early, before reading the store, when the file exists and may not be replaced. */
export function refuseExisting(file: string, force: boolean): void {
  if (!force && existsSync(file))
    throw rejected(`${file} exists: pass --force to replace it`, 'file');
  if (!existsSync(dirname(file)))
    throw new TesseraError('invalid_value', `${file}: directory ${dirname(file)} does not exist`, {
      field: 'file',
    });
}

/** Moves a finished file into place: a link fails if another file took the name meanwhile. */
export function place(aside: string, file: string, force: boolean): void {
  if (force) renameSync(aside, file);
  else {
    try {
      linkSync(aside, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST')
        throw rejected(`${file} exists: pass --force to replace it`, 'file');
      throw err;
    } finally {
      rmSync(aside, { force: true });
    }
  }
  syncDirectory(dirname(file));
}

export function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function sealedKeys(entries: Iterable<string>): string[] {
  const ids = new Set<string>();
  for (const value of entries) {
    const id = sealedKeyId(value);
    if (id !== undefined) ids.add(id);
  }
  return [...ids].sort();
}

/** Backs up the SQLite store `source` to `file`. */
export async function backupSqliteStore(
  source: string,
  file: string,
  options: { readonly force: boolean; readonly now?: Date },
): Promise<BackupResult> {
  refuseExisting(file, options.force);
  const aside = asideOf(file);
  try {
    const header = await backupSqlite(source, aside, `sqlite:${source}`, options.now ?? new Date());
    const { content } = readSqliteBackup(aside, file);
    syncFile(aside);
    place(aside, file, options.force);
    return {
      file,
      revision: header.revision,
      keys: header.keys,
      sha256: header.sha256,
      sealedWith: sealedKeys(content.entries.values()),
    };
  } finally {
    removeDatabase(aside);
  }
}

/**
 * Backs up a store other than SQLite: one snapshot, which the adapter reads at one revision
 * (etcd: every page pinned to the revision of the first). `store` must be the adapter itself,
 * not the sealing wrapper, so that secrets stay sealed.
 */
export async function backupStore(
  store: ConfigStore,
  file: string,
  options: { readonly force: boolean; readonly now?: Date },
): Promise<BackupResult> {
  refuseExisting(file, options.force);
  const snapshot = await readPinned(store);
  const content: BackupContent = {
    revision: snapshot.revision,
    entries: new Map([...snapshot.entries].map(([key, entry]) => [key, entry.value])),
  };
  const text = serializeBackup(store.url, content, options.now ?? new Date());
  const aside = asideOf(file);
  try {
    const fd = openSync(aside, 'wx', 0o600);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    place(aside, file, options.force);
  } finally {
    rmSync(aside, { force: true });
  }
  const header = JSON.parse(text.slice(0, text.indexOf('\n'))) as { sha256: string };
  return {
    file,
    revision: content.revision,
    keys: content.entries.size,
    sha256: header.sha256,
    sealedWith: sealedKeys(content.entries.values()),
  };
}

/**
 * etcd pins every page of a large read to one revision; a secret written meanwhile compacts
 * the history up to it (etcd.ts), and the pinned read then fails. Read again, a few times.
 */
async function readPinned(store: ConfigStore): Promise<StoreSnapshot> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await store.snapshot();
    } catch (err) {
      if (attempt >= 5 || !(err instanceof Error) || !err.message.includes('compacted')) throw err;
    }
  }
}

function syncFile(file: string): void {
  const fd = openSync(file, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
