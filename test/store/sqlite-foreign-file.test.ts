/**
 * A database file overwritten with something else is refused, whatever lies beside it:
 * SQLite reads a file shorter than its header as a new database and replays a write-ahead
 * log left next to it, so the store would come back from the log's pages alone (all of it,
 * part of it, or nothing, depending on the last checkpoint), and `serve` would start on it.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../src/store/sqlite.js';

describe('SQLite store over a foreign file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-foreign-'));
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a file without SQLite’s header even with a write-ahead log beside it', () => {
    const file = join(dir, 'tessera.db');
    // A store whose pages are all in its write-ahead log, as after an unclean stop.
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec('CREATE TABLE t (v TEXT); INSERT INTO t VALUES (1);');
    copyFileSync(`${file}-wal`, join(dir, 'kept-wal'));
    db.close();
    copyFileSync(join(dir, 'kept-wal'), `${file}-wal`);
    assert.ok(existsSync(`${file}-wal`));

    writeFileSync(file, 'not a database, but some bytes');
    assert.throws(
      () => new SqliteStore(file),
      (err: Error) => /SQLite store .*tessera\.db: file is not a database/.test(err.message),
    );
  });

  it('still opens an empty file as a new store', async () => {
    const file = join(dir, 'new.db');
    writeFileSync(file, '');
    const store = new SqliteStore(file);
    assert.equal((await store.snapshot()).entries.size, 0);
    await store.close();
  });
});
