/**
 * `tessera backup` and `tessera restore`: a copy taken while another process writes holds
 * every change up to its revision and none after; it restores on "a new machine" (another
 * data directory with the store key copied) where serve logs in a user whose password was set
 * before the backup; restore refuses a store with a configuration, a damaged copy, a wrong
 * key and a store a server has open, writing nothing. On etcd: a backup under writes from a
 * 3-member cluster restored into an empty cluster.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { bootstrap } from '../../src/services/bootstrap.js';
import { storeContext } from '../../src/services/context.js';
import { parseBackup } from '../../src/store/backup-file.js';
import type { ConfigStore } from '../../src/store/config-store.js';
import { openEtcdUnsealed, openStore } from '../../src/store/open.js';
import { isSealed } from '../../src/store/sealed.js';
import { runCli } from '../support/cli.js';
import { repoRoot } from '../support/conformance.js';
import { startEtcdCluster } from '../support/etcd-cluster.js';
import { call, freePort, start, stop } from '../support/serve.js';

const WRITER = join(repoRoot, 'dist', 'test', 'support', 'sqlite-writer.js');

function digest(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** `bytes` with the byte at `offset` of every occurrence of `value` replaced. */
function changeEveryCopy(
  bytes: Buffer,
  value: string,
  offset: number,
  change: (byte: number) => number,
): Buffer {
  const changed = Buffer.from(bytes);
  let copies = 0;
  for (let at = bytes.indexOf(value); at >= 0; at = bytes.indexOf(value, at + 1)) {
    changed[at + offset] = change(changed[at + offset] ?? 0);
    copies++;
  }
  assert.ok(copies > 0, `${value.slice(0, 20)}… is in the file`);
  return changed;
}

/** Starts the writer and resolves once it has acknowledged `atLeast` writes. */
function startWriter(
  file: string,
  atLeast: number,
): { child: ChildProcess; acknowledged: () => number[]; started: Promise<void> } {
  const child = spawn(process.execPath, [WRITER, file, '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const acknowledged = (): number[] =>
    out
      .split('\n')
      .filter((line) => /^\d+$/.test(line))
      .map(Number);
  const started = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (acknowledged().length >= atLeast) resolve();
    });
    child.on('exit', (code) => {
      reject(new Error(`writer exited with ${String(code)}`));
    });
  });
  return { child, acknowledged, started };
}

async function stopWriter(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** Keys and values of a SQLite file, read without changing it. */
function sqliteEntries(file: string): { revision: number; entries: Map<string, string> } {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    const revision = db
      .prepare<[], number>("SELECT value FROM meta WHERE name = 'revision'")
      .pluck()
      .get();
    const entries = new Map(
      db.prepare<[], [string, string]>('SELECT key, value FROM entries').raw(true).all(),
    );
    return { revision: revision ?? 0, entries };
  } finally {
    db.close();
  }
}

/** The writer's counter and users: every write up to the counter present, none after. */
function assertComplete(entries: ReadonlyMap<string, string>): number {
  const counter = Number(entries.get('meta/counter'));
  assert.ok(counter > 0, 'the copy holds writes');
  const written = [...entries.keys()]
    .filter((key) => /^users\/w\d+@pve$/.test(key))
    .map((key) => Number(/\d+/.exec(key)?.[0]))
    .sort((a, b) => a - b);
  assert.deepEqual(
    written,
    Array.from({ length: counter + 1 }, (_, n) => n),
  );
  return counter;
}

describe('backup and restore', { timeout: 240_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), 'tessera-backup-'));
  after(() => {
    rmSync(work, { recursive: true, force: true });
  });
  const machineA = join(work, 'a');
  const machineB = join(work, 'b');
  const storeA = join(machineA, 'tessera.db');
  const storeB = join(machineB, 'tessera.db');
  const backup = join(work, 'backups', 'tessera-1.db');
  let password = '';

  it('copies the SQLite store while another process writes: complete to its revision', async () => {
    const store = await openStore(`sqlite:${storeA}`);
    password = (await bootstrap(storeContext(store))) ?? '';
    await store.close();
    assert.notEqual(password, '');
    mkdirSync(join(work, 'backups'));

    const writer = startWriter(storeA, 20);
    let result;
    try {
      await writer.started;
      result = await runCli('--store', `sqlite:${storeA}`, 'backup', backup);
      // The writer went on after the copy: the copy must not hold what came later.
      const after = writer.acknowledged().length;
      while (writer.acknowledged().length < after + 5)
        await new Promise((resolve) => setTimeout(resolve, 10));
    } finally {
      await stopWriter(writer.child);
    }
    assert.equal(result.status, 0, result.stderr);
    assert.equal(statSync(backup).mode & 0o777, 0o600);
    const copy = sqliteEntries(backup);
    const counter = assertComplete(copy.entries);
    assert.ok(writer.acknowledged().includes(counter));
    assert.ok(Math.max(...writer.acknowledged()) > counter, 'writes went on after the copy');
    assert.match(
      result.stdout,
      new RegExp(
        `^backed up revision ${String(copy.revision)} of sqlite:${storeA} \\(${String(copy.entries.size)} keys\\) to ${backup}\\n`,
      ),
    );
    assert.match(
      result.stdout,
      /its secrets stay sealed with store key [0-9a-f]{8} \(.*store\.key\)/,
    );
    // Sealed as stored: the password hash is not in the copy in the clear.
    assert.ok(isSealed(copy.entries.get('secrets/passwords/admin@pve') ?? ''));
    assert.doesNotMatch(readFileSync(backup).toString('latin1'), /\$argon2id\$/);
    const trail = sqliteEntries(storeA);
    assert.ok(
      [...trail.entries.values()].some((v) => v.includes('"action":"backup"')),
      'the backup is audited in the store',
    );
  });

  it('never overwrites a file without --force', async () => {
    const before = digest(backup);
    const again = await runCli('--store', `sqlite:${storeA}`, 'backup', backup);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /exists: pass --force to replace it/);
    assert.equal(digest(backup), before);
  });

  it('refuses a wrong or missing store key, writing nothing', async () => {
    const wrong = join(work, 'wrong');
    mkdirSync(wrong);
    writeFileSync(join(wrong, 'store.key'), `${'ab'.repeat(32)}\n`, { mode: 0o600 });
    const result = await runCli(
      '--store',
      `sqlite:${join(wrong, 'tessera.db')}`,
      'restore',
      backup,
    );
    assert.equal(result.status, 1);
    assert.match(
      result.stderr,
      /holds secrets sealed with store key [0-9a-f]{8}, but the store key .*wrong\/store\.key is key [0-9a-f]{8}: restore needs the key of the store the backup was taken from; nothing restored/,
    );
    const none = join(work, 'nokey');
    const missing = await runCli(
      '--store',
      `sqlite:${join(none, 'tessera.db')}`,
      'restore',
      backup,
    );
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /and there is no store key at .*nokey\/store\.key/);
    assert.equal(existsSync(none), false);
    assert.deepEqual(readdir(wrong), ['store.key']);
  });

  it('refuses a damaged copy: truncated, a flipped byte, an altered value', async () => {
    mkdirSync(machineB);
    copyFileSync(join(machineA, 'store.key'), join(machineB, 'store.key'));
    const bytes = readFileSync(backup);
    const truncated = join(work, 'truncated.db');
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)), { mode: 0o600 });
    // The copy is page for page, so stale copies of a value may sit in free pages: change
    // every copy of the live value, or the one changed may be one no row points to.
    const live = sqliteEntries(backup).entries;
    // One bit of a sealed password hash: values are stored once, in the b-tree's leaves.
    const flipped = join(work, 'flipped.db');
    const sealedHash = live.get('secrets/passwords/admin@pve') ?? '';
    assert.ok(isSealed(sealedHash));
    writeFileSync(
      flipped,
      changeEveryCopy(bytes, sealedHash, 30, (byte) => byte ^ 0x01),
      { mode: 0o600 },
    );
    // A value that still reads as a user, only different: the checksum alone tells.
    const altered = join(work, 'altered.db');
    const user = [...live.values()].find((v) => v.includes('"expire":7}')) ?? '';
    assert.ok(user !== '');
    const digit = user.indexOf('"expire":7}') + '"expire":'.length;
    writeFileSync(
      altered,
      changeEveryCopy(bytes, user, digit, () => '6'.charCodeAt(0)),
      { mode: 0o600 },
    );
    for (const file of [truncated, flipped, altered]) {
      const result = await runCli('--store', `sqlite:${storeB}`, 'restore', file);
      assert.equal(result.status, 1, file);
      assert.match(result.stderr, new RegExp(`backup ${file} is damaged: .*; nothing restored`));
    }
    assert.deepEqual(readdir(machineB), ['store.key']);
  });

  it('restores a flipped bit in a key exactly as backed up, or not at all', async () => {
    // A key is stored in a leaf and may also be a search key of an inner page, where a
    // change harms nothing or misleads lookups: either way the store must come out whole.
    const bytes = readFileSync(backup);
    const copy = sqliteEntries(backup);
    let from = 0;
    for (let round = 0; round < 3; round++) {
      const at = bytes.indexOf('users/w1', from);
      if (at < 0) break;
      from = at + 1;
      const changed = Buffer.from(bytes);
      changed[at + 7] = (changed[at + 7] ?? 0) ^ 0x01;
      const file = join(work, `key-${String(round)}.db`);
      writeFileSync(file, changed, { mode: 0o600 });
      const dir = join(work, `key-${String(round)}`);
      mkdirSync(dir);
      copyFileSync(join(machineA, 'store.key'), join(dir, 'store.key'));
      const result = await runCli('--store', `sqlite:${join(dir, 'tessera.db')}`, 'restore', file);
      if (result.status !== 0) {
        assert.match(result.stderr, new RegExp(`backup ${file} is damaged: `));
        assert.deepEqual(readdir(dir), ['store.key']);
        continue;
      }
      const restored = sqliteEntries(join(dir, 'tessera.db')).entries;
      for (const [key, value] of copy.entries) assert.equal(restored.get(key), value, key);
    }
  });

  it('restores on a new machine, where serve logs in a user set before the backup', async () => {
    const result = await runCli('--store', `sqlite:${storeB}`, 'restore', backup);
    assert.equal(result.status, 0, result.stderr);
    const copy = sqliteEntries(backup);
    assert.match(
      result.stdout,
      new RegExp(
        `^restored revision ${String(copy.revision)} \\(${String(copy.entries.size)} keys\\) from ${backup} into sqlite:${storeB}\\n`,
      ),
    );
    assert.equal(statSync(storeB).mode & 0o777, 0o600);
    const restored = sqliteEntries(storeB);
    for (const [key, value] of copy.entries) assert.equal(restored.entries.get(key), value, key);

    const port = await freePort();
    const server = start(machineB, port, ['--login-delay', '0']);
    try {
      await server.ready;
      const ca = readFileSync(join(machineB, 'tessera.crt'));
      const login = await call(port, ca, 'POST', '/access/ticket', {
        username: 'admin@pve',
        password,
      });
      assert.equal(login.status, 200);

      // A store a server has open is not replaced, even with --force.
      const busy = await runCli('--store', `sqlite:${storeB}`, 'restore', '--force', backup);
      assert.equal(busy.status, 1);
      assert.match(busy.stderr, /is open in another process \(a running tessera serve\?\)/);
    } finally {
      await stop(server.child);
    }
  });

  it('refuses a store that holds a configuration without --force, and replaces it with', async () => {
    const before = digest(storeB);
    const refused = await runCli('--store', `sqlite:${storeB}`, 'restore', backup);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /holds a configuration \(\d+ key\(s\)\): pass --force/);
    assert.equal(digest(storeB), before);
    const forced = await runCli('--store', `sqlite:${storeB}`, 'restore', '--force', backup);
    assert.equal(forced.status, 0, forced.stderr);
    assert.match(forced.stdout, /, replacing a configuration of \d+ key\(s\)\n/);
  });

  it('copies etcd at one revision under writes and restores into an empty cluster', async () => {
    const source = await startEtcdCluster({ size: 3 });
    const target = await startEtcdCluster({ size: 1 });
    const before = process.env['TESSERA_DATA_DIR'];
    process.env['TESSERA_DATA_DIR'] = join(work, 'etcd-node');
    const stores: ConfigStore[] = [];
    const writer = { running: true };
    try {
      const sealed = await openStore(source.url);
      stores.push(sealed);
      await bootstrap(storeContext(sealed));
      const raw = await openEtcdUnsealed(source.url.slice('etcd://'.length));
      stores.push(raw);
      let counterRevision = 0;
      let n = 0;
      const acknowledged: number[] = [];
      const writes = (async () => {
        while (writer.running) {
          counterRevision = await raw.transact(
            [{ key: 'meta/counter', revision: counterRevision }],
            [
              { op: 'put', key: `users/w${String(n)}@pve`, value: '{"enable":true,"expire":0}' },
              { op: 'put', key: 'meta/counter', value: String(n) },
            ],
          );
          acknowledged.push(n++);
        }
      })();
      while (acknowledged.length < 10) await new Promise((resolve) => setTimeout(resolve, 10));
      const file = join(work, 'etcd.backup');
      const result = await runCli('--store', source.url, 'backup', file);
      const atBackup = acknowledged.length;
      while (acknowledged.length < atBackup + 5)
        await new Promise((resolve) => setTimeout(resolve, 10));
      writer.running = false;
      await writes;
      assert.equal(result.status, 0, result.stderr);
      assert.equal(statSync(file).mode & 0o777, 0o600);
      const content = parseBackup(file, readFileSync(file, 'utf8'));
      const counter = assertComplete(content.entries);
      assert.ok(acknowledged.includes(counter));
      assert.ok(Math.max(...acknowledged) > counter);
      assert.ok(isSealed(content.entries.get('secrets/passwords/admin@pve') ?? ''));
      assert.match(
        result.stdout,
        new RegExp(
          `^backed up revision ${String(content.revision)} of ${source.url} \\(${String(content.entries.size)} keys\\)`,
        ),
      );

      const restored = await runCli('--store', target.url, 'restore', file);
      assert.equal(restored.status, 0, restored.stderr);
      const after = await openEtcdUnsealed(target.url.slice('etcd://'.length));
      stores.push(after);
      const entries = (await after.snapshot()).entries;
      for (const [key, value] of content.entries) assert.equal(entries.get(key)?.value, value, key);
      const extra = [...entries.keys()].filter((key) => !content.entries.has(key));
      assert.equal(extra.length, 1, 'only the restore event is new');
      assert.match(entries.get(extra[0] ?? '')?.value ?? '', /"action":"restore"/);

      const refused = await runCli('--store', target.url, 'restore', file);
      assert.equal(refused.status, 1);
      assert.match(refused.stderr, /holds a configuration/);

      // The keys are the same in every store: the etcd backup restores into SQLite as well.
      const machineC = join(work, 'c');
      mkdirSync(machineC);
      copyFileSync(join(work, 'etcd-node', 'store.key'), join(machineC, 'store.key'));
      const intoSqlite = await runCli(
        '--store',
        `sqlite:${join(machineC, 'tessera.db')}`,
        'restore',
        file,
      );
      assert.equal(intoSqlite.status, 0, intoSqlite.stderr);
      const sqlite = sqliteEntries(join(machineC, 'tessera.db'));
      for (const [key, value] of content.entries) assert.equal(sqlite.entries.get(key), value, key);
    } finally {
      writer.running = false;
      for (const store of stores) await store.close();
      if (before === undefined) delete process.env['TESSERA_DATA_DIR'];
      else process.env['TESSERA_DATA_DIR'] = before;
      await source.stop();
      await target.stop();
    }
  });
});

function readdir(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}
