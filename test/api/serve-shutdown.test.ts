/**
 * `tessera serve` stops within 5 s of SIGTERM, also when its store cannot be reached: on a
 * 3-member etcd cluster whose members are all gone, the writes still waiting (events,
 * heartbeats, second-factor state) are given up, not waited for.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startEtcdCluster, type EtcdCluster } from '../support/etcd-cluster.js';
import { freePort, start } from '../support/serve.js';

/** What an init system waits before it kills a service that does not stop. */
const STOP_LIMIT_MS = 5_000;

describe('tessera serve on an unreachable store', { timeout: 90_000 }, () => {
  let cluster: EtcdCluster;
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-shutdown-'));
  before(async () => {
    cluster = await startEtcdCluster({ size: 3 });
  });
  after(async () => {
    await cluster.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stops within 5 s of SIGTERM with every etcd member gone', async () => {
    const port = await freePort();
    const server = start(dataDir, port, ['--store', cluster.url, '--http', '--login-delay', '0']);
    await server.ready;
    // A refused login leaves an event waiting to be written.
    const refused = await fetch(`http://127.0.0.1:${String(port)}/api2/json/access/ticket`, {
      method: 'POST',
      body: new URLSearchParams({ username: 'nobody@pve', password: 'wrong' }),
    });
    assert.equal(refused.status, 401);
    for (const index of [0, 1, 2]) await cluster.kill(index);
    const exited = new Promise<number | null>((resolve) => server.child.on('exit', resolve));
    const signalled = Date.now();
    server.child.kill('SIGTERM');
    const code = await exited;
    const took = Date.now() - signalled;
    assert.ok(took < STOP_LIMIT_MS, `stopped after ${String(took)} ms:\n${server.output()}`);
    assert.equal(code, 0, server.output());
    assert.match(server.output(), /Tessera stopped/);
  });
});
