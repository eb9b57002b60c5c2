/**
 * A node whose clock is 4 minutes ahead, through the clock abstraction: two heartbeat
 * publishers on one SQLite store see each other's heartbeats arrive, record the offsets, and
 * `tessera doctor` (another process reading the store) fails the clock check naming the node.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { HeartbeatPublisher, readHeartbeats } from '../../src/diagnostics/heartbeat.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { runCli } from '../support/cli.js';

describe('doctor and a node clock ahead', () => {
  it('names the node whose clock is ahead', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-clock-'));
    const file = join(dir, 'tessera.db');
    const storeA = new SqliteStore(file);
    const storeB = new SqliteStore(file);
    const a = new HeartbeatPublisher(storeA, 'pve1', 'test');
    const b = new HeartbeatPublisher(storeB, 'pve2', 'test', () => Date.now() + 240_000);
    const revision = async () => (await storeA.snapshot()).revision;
    const start = await revision();
    a.start(() => start, 100);
    b.start(() => start, 100);
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      const beats = await readHeartbeats(storeA);
      const seen = beats.find((h) => h.node === 'pve1')?.peers['pve2'];
      if (seen !== undefined && Math.abs(seen.offset - 240_000) < 5_000) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    a.stop();
    b.stop();
    const observed = (await readHeartbeats(storeA)).find((h) => h.node === 'pve1')?.peers['pve2'];
    assert.ok(observed, 'pve1 saw pve2');
    assert.ok(Math.abs(observed.offset - 240_000) < 5_000, String(observed.offset));
    await storeA.close();
    await storeB.close();

    const doctor = await runCli(
      '--store',
      `sqlite:${file}`,
      '--output-format',
      'json',
      'doctor',
      '--skip-network',
      '--node',
      'pve1',
    );
    const report = JSON.parse(doctor.stdout) as {
      checks: { id: string; status: string; evidence: string[] }[];
    };
    const clock = report.checks.find((c) => c.id === 'clock_cluster');
    assert.equal(clock?.status, 'fail', JSON.stringify(clock));
    assert.match(clock.evidence.join('\n'), /pve2.*4 min.*ahead/);
    assert.equal(doctor.status, 2);
    rmSync(dir, { recursive: true, force: true });
  });
});
