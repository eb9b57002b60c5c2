/**
 * `serve --acme-domain` against a real ACME server (Debian's pebble), which validates the
 * HTTP-01 challenge by fetching it from Tessera's responder: a certificate is issued at
 * start and served, chaining to pebble's root; on SIGHUP a due certificate is renewed and
 * new connections get the new one while a keep-alive connection opened before goes on; a
 * restart serves the stored certificate at once without ordering.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { startPebble, type Pebble } from '../../support/pebble.js';
import { freePort, start, stop } from '../../support/serve.js';
import { keepAliveGet, openTls } from '../../support/tls-connection.js';

/** A verified TLS connection (servername localhost) and the certificate it was given. */
async function open(port: number, root: Buffer): Promise<{ socket: TLSSocket; cert: string }> {
  const { socket, peer } = await openTls(port, { servername: 'localhost', ca: root });
  return { socket, cert: peer.fingerprint256 };
}

const request = (socket: TLSSocket): Promise<string> =>
  keepAliveGet(socket, '/api2/json/access/domains');

/** Waits for a line of serve's output (the order's outcome is only known from there). */
async function until(test: () => boolean, what: () => string): Promise<void> {
  const started = Date.now();
  while (!test()) {
    if (Date.now() - started > 60_000) assert.fail(`not within 60 s: ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const count = (text: string, part: string): number => text.split(part).length - 1;
const ISSUED = 'new connections get the ACME certificate';

describe('serve gets and renews its certificate by ACME (pebble)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-acme-'));
  const dataDir = join(dir, 'data');
  let pebble: Pebble;
  let root: Buffer;
  let httpPort = 0;
  before(async () => {
    httpPort = await freePort();
    pebble = await startPebble(httpPort);
    root = await pebble.root();
  });
  after(async () => {
    await pebble.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const acmeArgs = (): string[] => [
    '--acme-domain',
    'localhost',
    '--acme-directory',
    pebble.directory,
    '--acme-ca',
    pebble.tlsCa,
    '--acme-http',
    `127.0.0.1:${String(httpPort)}`,
    '--acme-email',
    'ops@example.com',
  ];
  let renewed = '';

  it('issues at start, serves it, and renews on SIGHUP without dropping an open connection', async () => {
    const port = await freePort();
    // Every certificate is due: the renewal on SIGHUP is then certain.
    const serve = start(dataDir, port, [...acmeArgs(), '--acme-renew-days', '100000']);
    try {
      await serve.ready;
      await until(() => serve.output().includes(ISSUED), serve.output);
      const first = await open(port, root);
      assert.equal(first.socket.authorized, true);
      assert.equal(await request(first.socket), 'HTTP/1.1 200 OK');
      for (const [file, mode] of [
        ['acme', 0o700],
        ['acme/account.key', 0o600],
        ['acme/certificate.key', 0o600],
        ['acme/certificate.pem', 0o600],
      ] as const)
        assert.equal(statSync(join(dataDir, file)).mode & 0o777, mode, file);

      serve.child.kill('SIGHUP');
      await until(() => count(serve.output(), ISSUED) === 2, serve.output);
      const second = await open(port, root);
      assert.equal(second.socket.authorized, true);
      assert.notEqual(second.cert, first.cert);
      renewed = second.cert;
      // The connection opened before, with the first certificate, goes on working.
      assert.equal(await request(first.socket), 'HTTP/1.1 200 OK');
      first.socket.destroy();
      second.socket.destroy();
      assert.doesNotMatch(serve.output(), /ACME order .* failed/);
    } finally {
      await stop(serve.child);
    }
  });

  it('serves the stored certificate at once on the next start, without an order', async () => {
    const port = await freePort();
    const serve = start(dataDir, port, acmeArgs());
    try {
      await serve.ready;
      const connection = await open(port, root);
      assert.equal(connection.socket.authorized, true);
      assert.equal(connection.cert, renewed);
      connection.socket.destroy();
      serve.child.kill('SIGHUP');
      await until(() => serve.output().includes('not due for renewal before'), serve.output);
      assert.equal(count(serve.output(), ISSUED), 0);
    } finally {
      await stop(serve.child);
    }
  });
});
