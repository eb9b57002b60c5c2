/**
 * The store is never silently replaced: a first start bootstraps a new installation only in
 * a new, empty data directory. A database that is empty (`: > tessera.db`), missing, or a
 * store that holds nothing, next to files of an earlier start (the bootstrap password file,
 * certificates, keys) means the configuration was lost, not that this is a new installation:
 * `serve` stops with an error instead of printing a new bootstrap password over it.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { TesseraError } from '../errors.js';

/** What the data directory held before this start touched it. */
export interface DataDirState {
  readonly dataDir: string;
  /** Entries other than the database itself, sorted. */
  readonly earlier: readonly string[];
  /** The SQLite database file of the store, when the store is one. */
  readonly databaseFile: string | undefined;
  /** The database file is missing or has no bytes. */
  readonly databaseBlank: boolean;
}

/** Looks at the data directory; call it before the store is opened, which creates files. */
export function inspectDataDir(dataDir: string, storeUrl: string): DataDirState {
  const databaseFile = storeUrl.startsWith('sqlite:')
    ? resolve(storeUrl.slice('sqlite:'.length))
    : undefined;
  const ownFiles = new Set<string>();
  if (databaseFile !== undefined && dirname(databaseFile) === resolve(dataDir)) {
    const name = basename(databaseFile);
    // The write-ahead log and shared memory belong to the database, not to a start.
    for (const suffix of ['', '-wal', '-shm', '-journal']) ownFiles.add(`${name}${suffix}`);
  }
  let entries: string[] = [];
  try {
    entries = readdirSync(dataDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  let databaseBlank = false;
  if (databaseFile !== undefined) {
    try {
      databaseBlank = statSync(databaseFile).size === 0;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      databaseBlank = true;
    }
  }
  return {
    dataDir: resolve(dataDir),
    earlier: entries.filter((entry) => !ownFiles.has(entry)).sort(),
    databaseFile,
    databaseBlank,
  };
}

/** Before the store is opened: a blank or missing database next to an earlier start. */
export function refuseBlankDatabase(state: DataDirState): void {
  if (state.databaseFile === undefined || !state.databaseBlank || state.earlier.length === 0)
    return;
  throw lostStore(state, `the database ${state.databaseFile} is missing or empty`);
}

/** After it is opened: an empty store (one the first start would set up) next to one. */
export function refuseEmptyStore(state: DataDirState, storeUrl: string): void {
  if (state.earlier.length === 0) return;
  throw lostStore(state, `the configuration store ${storeUrl} holds no configuration`);
}

function lostStore(state: DataDirState, what: string): TesseraError {
  const shown = state.earlier.slice(0, 8).join(', ');
  const more = state.earlier.length > 8 ? `, and ${String(state.earlier.length - 8)} more` : '';
  return new TesseraError(
    'store_unavailable',
    `${what}, but the data directory ${state.dataDir} holds files of an earlier start ` +
      `(${shown}${more}): the configuration looks lost, so no new installation is set up ` +
      'over it. Restore the store from a backup (or point --store at it); to start a new ' +
      'installation deliberately, move the data directory away, or empty it, and start again.',
  );
}
