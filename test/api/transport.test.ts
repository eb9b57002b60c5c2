/**
 * The transport of `tessera serve`, probed over the wire: which TLS versions and suites a
 * real OpenSSL client gets through, and the fixed headers on every kind of answer (API
 * success, refusal, unknown path, web interface).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, start, stop } from '../support/serve.js';

/** The suite OpenSSL negotiated with these client options, or `undefined` when refused. */
function negotiate(port: number, options: readonly string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = execFile(
      'openssl',
      ['s_client', '-connect', `127.0.0.1:${String(port)}`, ...options],
      { timeout: 10_000 },
      (_err, stdout) => {
        const suite = /Cipher is (\S+)/.exec(stdout)?.[1];
        resolve(suite === undefined || suite === '(NONE)' ? undefined : suite);
      },
    );
    child.stdin?.end();
  });
}

function headersOf(
  port: number,
  ca: Buffer,
  path: string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, ca }, (res) => {
      res.resume();
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('transport of tessera serve', { timeout: 90_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-transport-'));
  let port = 0;
  let server: ReturnType<typeof start> | undefined;
  before(async () => {
    port = await freePort();
    server = start(dataDir, port, ['--login-delay', '0']);
    await server.ready;
  });
  after(async () => {
    if (server) await stop(server.child);
    rmSync(dataDir, { recursive: true, force: true });
  });

  // `@SECLEVEL=0` lets the client offer what the server must refuse by itself.
  const refused: readonly (readonly [string, readonly string[]])[] = [
    ['TLS 1.0', ['-tls1', '-cipher', 'ALL@SECLEVEL=0']],
    ['TLS 1.1', ['-tls1_1', '-cipher', 'ALL@SECLEVEL=0']],
    ['CBC with SHA-1', ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-SHA@SECLEVEL=0']],
    ['CBC with SHA-384', ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES256-SHA384@SECLEVEL=0']],
    ['AES-CCM8', ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-CCM8@SECLEVEL=0']],
    ['AES-CCM', ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-CCM@SECLEVEL=0']],
    ['ARIA-GCM', ['-tls1_2', '-cipher', 'ECDHE-ECDSA-ARIA128-GCM-SHA256@SECLEVEL=0']],
    ['Camellia', ['-tls1_2', '-cipher', 'ECDHE-ECDSA-CAMELLIA128-SHA256@SECLEVEL=0']],
    ['TLS 1.3 CCM8', ['-tls1_3', '-ciphersuites', 'TLS_AES_128_CCM_8_SHA256']],
  ];
  for (const [what, options] of refused)
    it(`refuses ${what}`, async () => {
      assert.equal(await negotiate(port, options), undefined);
    });

  const accepted: readonly (readonly [string, readonly string[]])[] = [
    ['TLS_AES_256_GCM_SHA384', ['-tls1_3']],
    ['TLS_CHACHA20_POLY1305_SHA256', ['-tls1_3', '-ciphersuites', 'TLS_CHACHA20_POLY1305_SHA256']],
    ['TLS_AES_128_GCM_SHA256', ['-tls1_3', '-ciphersuites', 'TLS_AES_128_GCM_SHA256']],
    ['ECDHE-ECDSA-AES256-GCM-SHA384', ['-tls1_2']],
    ['ECDHE-ECDSA-AES128-GCM-SHA256', ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-GCM-SHA256']],
    ['ECDHE-ECDSA-CHACHA20-POLY1305', ['-tls1_2', '-cipher', 'ECDHE-ECDSA-CHACHA20-POLY1305']],
  ];
  for (const [suite, options] of accepted)
    it(`accepts ${suite}`, async () => {
      assert.equal(await negotiate(port, options), suite);
    });

  it('sends nosniff, a referrer policy and HSTS on every answer', async () => {
    const ca = readFileSync(join(dataDir, 'tessera.crt'));
    for (const [path, status] of [
      ['/api2/json/access/ticket', 200],
      ['/api2/json/access/users', 401],
      ['/api2/json/nowhere', 501],
      ['/', 200],
      ['/assets/none.js', 404],
    ] as const) {
      const answer = await headersOf(port, ca, path);
      assert.equal(answer.status, status, path);
      assert.equal(answer.headers['x-content-type-options'], 'nosniff', path);
      assert.equal(answer.headers['referrer-policy'], 'no-referrer', path);
      assert.equal(answer.headers['strict-transport-security'], 'max-age=31536000', path);
      if (path.startsWith('/api2/'))
        assert.equal(answer.headers['content-type'], 'application/json;charset=UTF-8', path);
    }
  });
});
