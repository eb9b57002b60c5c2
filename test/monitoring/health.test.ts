/**
 * The health endpoints as a load balancer sees them: plain HTTP probes of `tessera serve`,
 * with the store taken away under it. etcd: a real three-member cluster loses its quorum and
 * gets it back; SQLite: the database file is moved away and back.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startEtcdCluster, type EtcdCluster } from '../support/etcd-cluster.js';
import { plain, until } from '../support/probe.js';
import { freePort, start, stop } from '../support/serve.js';

describe('health endpoints over an etcd cluster', { timeout: 180_000 }, () => {
  let cluster: EtcdCluster;
  let dir: string;
  let port: number;
  let server: ReturnType<typeof start>;

  before(async () => {
    cluster = await startEtcdCluster({ size: 3 });
    dir = mkdtempSync(join(tmpdir(), 'tessera-health-'));
    port = await freePort();
    server = start(join(dir, 'data'), port, ['--http', '--store', cluster.url]);
    await server.ready;
  });

  after(async () => {
    await stop(server.child);
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers ready, not ready while the quorum is lost, and ready again', async () => {
    const ready = await plain(port, '/health/ready');
    assert.equal(ready.status, 200);
    assert.equal(ready.text, 'ready\n');
    assert.equal(ready.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(ready.headers['set-cookie'], undefined);

    await cluster.kill(1);
    await cluster.kill(2);
    const lost = await until(port, '/health/ready', (a) => a.status !== 200);
    assert.equal(lost.status, 503);
    assert.equal(lost.text, 'not ready: store read-only\n');
    const live = await plain(port, '/health/live');
    assert.equal(live.status, 200);
    assert.equal(live.text, 'ok\n');

    await cluster.restart(1);
    await cluster.restart(2);
    const back = await until(port, '/health/ready', (a) => a.status === 200);
    assert.equal(back.text, 'ready\n');
    assert.match(server.output(), /not ready: store read-only\n[^]*ready again/);
  });
});

describe('health endpoints over SQLite', { timeout: 60_000 }, () => {
  let dir: string;
  let port: number;
  let server: ReturnType<typeof start>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-health-'));
    port = await freePort();
    server = start(join(dir, 'data'), port, ['--http']);
    await server.ready;
  });

  after(async () => {
    await stop(server.child);
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers not ready while the database file is gone, and ready when it is back', async () => {
    assert.equal((await plain(port, '/health/ready')).status, 200);
    const file = join(dir, 'data', 'tessera.db');
    renameSync(file, `${file}.away`);
    const gone = await until(port, '/health/ready', (a) => a.status !== 200);
    assert.equal(gone.status, 503);
    assert.equal(gone.text, 'not ready: store unreachable\n');
    assert.equal((await plain(port, '/health/live')).text, 'ok\n');
    renameSync(`${file}.away`, file);
    assert.equal((await until(port, '/health/ready', (a) => a.status === 200)).text, 'ready\n');
  });

  it('answers probes without a login delay, a cookie or an authentication event', async () => {
    const before = server.output();
    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        plain(port, '/health/ready', { headers: { cookie: 'PVEAuthCookie=garbage' } }),
      ),
    );
    assert.deepEqual(
      new Set(answers.map((a) => `${String(a.status)} ${a.text}`)),
      new Set(['200 ready\n']),
    );
    assert.equal(server.output(), before);
    const head = await plain(port, '/health/live', { method: 'HEAD' });
    assert.equal(head.status, 200);
  });
});
