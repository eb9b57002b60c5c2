/**
 * `serve` takes a replaced certificate on SIGHUP without dropping a connection: new
 * connections get the new certificate, a keep-alive connection opened before goes on with
 * its own, and a certificate whose key does not match is refused with the old one kept.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { after, describe, it } from 'node:test';
import { selfSignedCertificate } from '../support/certificate.js';
import { freePort, start, stop } from '../support/serve.js';
import { keepAliveGet, openTls } from '../support/tls-connection.js';

/** A connection that accepts any certificate, and the subject of the one it was given. */
async function open(port: number): Promise<{ socket: TLSSocket; subject: string }> {
  const { socket, peer } = await openTls(port, { rejectUnauthorized: false });
  return { socket, subject: peer.subject };
}

const request = (socket: TLSSocket): Promise<string> => keepAliveGet(socket, '/api2/json/version');

async function until(test: () => boolean, what: string): Promise<void> {
  const started = Date.now();
  while (!test()) {
    if (Date.now() - started > 5000) assert.fail(`not within 5 s: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('serve: SIGHUP takes a replaced certificate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-reload-'));
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the new certificate to new connections and keeps the open ones', async () => {
    const first = selfSignedCertificate(dir, 'first', 30);
    const second = selfSignedCertificate(dir, 'second', 30);
    const other = selfSignedCertificate(dir, 'other', 30);
    const live = { cert: join(dir, 'live.crt'), key: join(dir, 'live.key') };
    copyFileSync(first.cert, live.cert);
    copyFileSync(first.key, live.key);
    const port = await freePort();
    const server = start(join(dir, 'data'), port, ['--cert', live.cert, '--key', live.key]);
    try {
      await server.ready;
      const before = await open(port);
      assert.equal(before.subject, 'CN=first');
      assert.match(await request(before.socket), /^HTTP\/1.1 401 /);

      copyFileSync(second.cert, live.cert);
      copyFileSync(second.key, live.key);
      server.child.kill('SIGHUP');
      await until(
        () => server.output().includes('new connections get the certificate'),
        'the reload is reported',
      );
      assert.match(server.output(), /CN=second, valid until \S+, SHA-256 [0-9A-F:]+/);
      const after = await open(port);
      assert.equal(after.subject, 'CN=second');
      // The connection opened before the reload goes on (with its certificate).
      assert.match(await request(before.socket), /^HTTP\/1.1 401 /);
      after.socket.destroy();

      // A certificate whose key is not the one beside it: refused, the running one stays.
      copyFileSync(other.cert, live.cert);
      server.child.kill('SIGHUP');
      await until(
        () => server.output().includes('not reloaded, the previous one stays'),
        'the refusal is reported',
      );
      assert.match(server.output(), /live\.key is not the key of the certificate in .*live\.crt/);
      const still = await open(port);
      assert.equal(still.subject, 'CN=second');
      still.socket.destroy();
      before.socket.destroy();
    } finally {
      assert.equal(await stop(server.child), 0);
    }
  });
});
