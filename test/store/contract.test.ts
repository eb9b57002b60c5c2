/**
 * The ConfigStore contract, run against every writable adapter: memory, SQLite and a real
 * etcd. Each test gets an empty store of its own.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isTesseraError } from '../../src/errors.js';
import type { ChangeBatch, ConfigStore } from '../../src/store/config-store.js';
import { EtcdStore, parseEtcdHosts } from '../../src/store/etcd.js';
import { MemoryStore } from '../../src/store/memory.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { startEtcdCluster, type EtcdCluster } from '../support/etcd-cluster.js';

interface Adapter {
  readonly name: string;
  setUp(): Promise<void>;
  tearDown(): Promise<void>;
  make(): ConfigStore;
}

let counter = 0;
const dir = mkdtempSync(join(tmpdir(), 'tessera-contract-'));
let cluster: EtcdCluster | undefined;

const adapters: Adapter[] = [
  {
    name: 'memory',
    setUp: () => Promise.resolve(),
    tearDown: () => Promise.resolve(),
    make: () => new MemoryStore(),
  },
  {
    name: 'sqlite',
    setUp: () => Promise.resolve(),
    tearDown: () => {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
    make: () => new SqliteStore(join(dir, `store-${String(++counter)}.db`)),
  },
  {
    name: 'etcd',
    setUp: async () => {
      cluster = await startEtcdCluster({ size: 1 });
    },
    tearDown: async () => {
      await cluster?.stop();
    },
    make: () => {
      assert.ok(cluster);
      return new EtcdStore(parseEtcdHosts(cluster.url.slice('etcd://'.length)), {
        prefix: `/contract-${String(++counter)}/`,
      });
    },
  },
];

/** Collects watch batches until `count` arrived. */
function collect(
  store: ConfigStore,
  from: number,
  count: number,
): { batches: ChangeBatch[]; done: Promise<void>; stop: () => void } {
  const batches: ChangeBatch[] = [];
  let resolve: () => void = () => undefined;
  const done = new Promise<void>((r) => (resolve = r));
  const stop = store.watch(from, {
    onChanges: (batch) => {
      batches.push(batch);
      if (batches.length >= count) resolve();
    },
    onReset: (reason) => assert.fail(`unexpected reset: ${reason}`),
  });
  return { batches, done, stop };
}

for (const adapter of adapters) {
  describe(`ConfigStore contract: ${adapter.name}`, () => {
    const stores: ConfigStore[] = [];
    const open = (): ConfigStore => {
      const store = adapter.make();
      stores.push(store);
      return store;
    };
    before(() => adapter.setUp());
    after(async () => {
      for (const store of stores) await store.close();
      await adapter.tearDown();
    });

    it('starts empty and commits puts at a new revision', async () => {
      const store = open();
      const empty = await store.snapshot();
      assert.equal(empty.entries.size, 0);
      const revision = await store.transact(
        [{ key: 'users/a@pve', revision: 0 }],
        [
          { op: 'put', key: 'users/a@pve', value: '{"enable":true,"expire":0}' },
          { op: 'put', key: 'groups/g', value: '{"members":["a@pve"]}' },
        ],
      );
      assert.ok(revision > empty.revision);
      const snapshot = await store.snapshot();
      assert.equal(snapshot.revision, revision);
      assert.deepEqual([...snapshot.entries].sort(), [
        ['groups/g', { value: '{"members":["a@pve"]}', revision }],
        ['users/a@pve', { value: '{"enable":true,"expire":0}', revision }],
      ]);
    });

    it('refuses a stale condition with conflict and applies nothing of it', async () => {
      const store = open();
      const first = await store.transact(
        [],
        [{ op: 'put', key: 'roles/r', value: '{"privs":[]}' }],
      );
      await assert.rejects(
        store.transact(
          [{ key: 'roles/r', revision: 0 }],
          [
            { op: 'put', key: 'roles/r', value: '{"privs":["VM.Audit"]}' },
            { op: 'put', key: 'roles/other', value: '{"privs":[]}' },
          ],
        ),
        (err) => isTesseraError(err, 'conflict') && err.detail.includes('roles/r'),
      );
      const snapshot = await store.snapshot();
      assert.equal(snapshot.revision, first);
      assert.equal(snapshot.entries.get('roles/r')?.value, '{"privs":[]}');
      assert.equal(snapshot.entries.has('roles/other'), false);
      // With the current revision the same change goes through, and deletes work.
      const second = await store.transact(
        [{ key: 'roles/r', revision: first }],
        [{ op: 'delete', key: 'roles/r' }],
      );
      assert.ok(second > first);
      assert.equal((await store.snapshot()).entries.has('roles/r'), false);
    });

    it('lets exactly one of racing conditional writers win', async () => {
      const store = open();
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) =>
          store.transact(
            [{ key: 'pools/p', revision: 0 }],
            [{ op: 'put', key: 'pools/p', value: `{"comment":"${String(i)}"}` }],
          ),
        ),
      );
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      for (const r of results)
        if (r.status === 'rejected') assert.ok(isTesseraError(r.reason, 'conflict'));
    });

    it('keeps the last of several operations on one key', async () => {
      const store = open();
      await store.transact(
        [],
        [
          { op: 'put', key: 'k/x', value: '1' },
          { op: 'delete', key: 'k/x' },
          { op: 'put', key: 'k/x', value: '3' },
        ],
      );
      assert.equal((await store.snapshot()).entries.get('k/x')?.value, '3');
    });

    it('watches every change in order, replaying those after the given revision', async () => {
      const store = open();
      const start = (await store.snapshot()).revision;
      const r1 = await store.transact([], [{ op: 'put', key: 'users/a@pve', value: 'a' }]);
      const late = collect(store, start, 3);
      const r2 = await store.transact(
        [],
        [
          { op: 'put', key: 'users/b@pve', value: 'b' },
          { op: 'delete', key: 'users/a@pve' },
        ],
      );
      const r3 = await store.transact([], [{ op: 'put', key: 'users/b@pve', value: 'B' }]);
      await late.done;
      late.stop();
      assert.deepEqual(late.batches, [
        { revision: r1, changes: [{ key: 'users/a@pve', value: 'a' }] },
        {
          revision: r2,
          changes: [
            { key: 'users/b@pve', value: 'b' },
            { key: 'users/a@pve', value: undefined },
          ],
        },
        { revision: r3, changes: [{ key: 'users/b@pve', value: 'B' }] },
      ]);
    });
  });
}
