/**
 * SQLite durability: a process writing in a loop is killed with SIGKILL at random points,
 * 200 times. After every kill the database opens, passes SQLite's integrity check, and holds
 * every write the writer saw acknowledged, with the counter that each write moved under a
 * revision condition.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../src/store/sqlite.js';
import { repoRoot } from '../support/conformance.js';

const KILLS = 200;
const writer = join(repoRoot, 'dist', 'test', 'support', 'sqlite-writer.js');

/** Runs the writer until a random moment, kills it, and returns the acknowledged numbers. */
async function runAndKill(file: string, start: number): Promise<number[]> {
  const child = spawn(process.execPath, [writer, file, String(start)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const acknowledged: number[] = [];
  const lines = createInterface({ input: child.stdout });
  const exited = new Promise<void>((resolve) =>
    child.on('exit', () => {
      resolve();
    }),
  );
  // Lines already in the pipe were acknowledged before the kill: read them all.
  const drained = new Promise<void>((resolve) =>
    lines.once('close', () => {
      resolve();
    }),
  );
  await new Promise<void>((resolve) => {
    lines.on('line', (line) => {
      if (line === 'ready') {
        // Somewhere in the first few dozen writes, or before the first one.
        setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, Math.random() * 40);
        return;
      }
      acknowledged.push(Number(line));
    });
  });
  await exited;
  await drained;
  return acknowledged;
}

describe('SQLite store under SIGKILL', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-durability-'));
  const file = join(dir, 'tessera.db');
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it(`keeps every acknowledged write across ${String(KILLS)} kills`, async (t) => {
    let next = 1;
    let total = 0;
    const all: number[] = [];
    for (let round = 0; round < KILLS; round++) {
      const acknowledged = await runAndKill(file, next);
      all.push(...acknowledged);
      total += acknowledged.length;
      const db = new Database(file);
      try {
        assert.equal(
          db.pragma('integrity_check', { simple: true }),
          'ok',
          `round ${String(round)}`,
        );
      } finally {
        db.close();
      }
      const store = new SqliteStore(file);
      const { entries } = await store.snapshot();
      await store.close();
      for (const n of acknowledged)
        assert.ok(
          entries.has(`users/w${String(n)}@pve`),
          `write ${String(n)} lost in round ${String(round)}`,
        );
      const counter = Number(entries.get('meta/counter')?.value ?? 0);
      const last = acknowledged[acknowledged.length - 1];
      if (last !== undefined)
        assert.ok(counter >= last, `counter ${String(counter)} behind ${String(last)}`);
      // A write in flight at the kill may have committed without being acknowledged.
      next = Math.max(counter, last ?? 0) + 1;
    }
    const store = new SqliteStore(file);
    const { entries } = await store.snapshot();
    await store.close();
    for (const n of all) assert.ok(entries.has(`users/w${String(n)}@pve`));
    t.diagnostic(`${String(KILLS)} kills, ${String(total)} acknowledged writes, all present`);
  });
});
