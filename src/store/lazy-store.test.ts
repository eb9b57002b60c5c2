import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isTesseraError } from '../errors.js';
import type { ChangeBatch } from './config-store.js';
import { LazyStore } from './lazy-store.js';
import { SqliteStore } from './sqlite.js';

describe('LazyStore', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-lazy-'));
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const lazy = (file: string): LazyStore =>
    new LazyStore(file, () => Promise.resolve(new SqliteStore(file)), { pollMs: 20 });

  it('reads as empty and creates nothing until the first write', async () => {
    const file = join(dir, 'a', 'state.db');
    const store = lazy(file);
    try {
      assert.deepEqual(await store.snapshot(), {
        revision: 0,
        entries: new Map(),
        diagnostics: [],
      });
      await store.canWrite();
      assert.equal(existsSync(join(dir, 'a')), false);
      const revision = await store.transact([], [{ op: 'put', key: 'k', value: 'v' }]);
      assert.equal(existsSync(file), true);
      assert.equal((await store.snapshot()).entries.get('k')?.revision, revision);
    } finally {
      await store.close();
    }
  });

  it('hands a watch set up before the file existed to the store another process created', async () => {
    const file = join(dir, 'b.db');
    const watcher = lazy(file);
    const writer = lazy(file);
    try {
      const seen = new Promise<ChangeBatch>((resolve) => {
        watcher.watch(0, { onChanges: resolve, onReset: () => undefined });
      });
      await writer.transact([], [{ op: 'put', key: 'sessions/x', value: '1' }]);
      // The store's pollers do not keep a process alive; this timer does, and bounds the wait.
      let timer: NodeJS.Timeout | undefined;
      const batch = await Promise.race([
        seen,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            reject(new Error('the watcher saw nothing within 5 s'));
          }, 5000);
        }),
      ]).finally(() => {
        clearTimeout(timer);
      });
      assert.deepEqual(batch.changes, [{ key: 'sessions/x', value: '1' }]);
      assert.equal((await watcher.snapshot()).entries.get('sessions/x')?.value, '1');
    } finally {
      await watcher.close();
      await writer.close();
    }
  });

  it('says before any write when its file could not be created', async () => {
    writeFileSync(join(dir, 'plain-file'), '');
    const store = lazy(join(dir, 'plain-file', 'state.db'));
    await assert.rejects(
      store.canWrite(),
      (err) =>
        isTesseraError(err, 'store_unavailable') && err.message.includes('is not a directory'),
    );
    await store.close();
  });
});
