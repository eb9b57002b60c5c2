import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { isTesseraError } from '../errors.js';
import { SqliteStore } from './sqlite.js';

describe('SqliteStore.canWrite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-can-write-'));
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('says yes at once while another process holds the write lock, and then writes', async () => {
    const file = join(dir, 'busy.db');
    const store = new SqliteStore(file);
    const other = new Database(file);
    try {
      other.exec('BEGIN IMMEDIATE');
      // Waiting out the busy timeout here would stall the event loop; a writer at work
      // means the database takes writes.
      await store.canWrite();
      other.exec('COMMIT');
      await store.transact([], [{ op: 'put', key: 'k', value: 'v' }]);
      assert.equal((await store.snapshot()).entries.get('k')?.value, 'v');
    } finally {
      other.close();
      await store.close();
    }
  });

  it('says no for a database file removed since it was opened', async () => {
    const file = join(dir, 'moved.db');
    const store = new SqliteStore(file);
    try {
      renameSync(file, `${file}.away`);
      await assert.rejects(store.canWrite(), (err) => isTesseraError(err, 'store_unavailable'));
    } finally {
      await store.close();
    }
  });
});
