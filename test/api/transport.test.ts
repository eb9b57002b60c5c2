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

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

function send(
  port: number,
  ca: Buffer,
  path: string,
  options: {
    method?: string;
    form?: Record<string, string>;
    headers?: Record<string, string>;
  } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        ca,
        method: options.method ?? 'GET',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...options.headers },
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
      },
    );
    req.on('error', reject);
    req.end(options.form ? new URLSearchParams(options.form).toString() : undefined);
  });
}

const headersOf = (port: number, ca: Buffer, path: string): Promise<Answer> => send(port, ca, path);

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
      // A refusal before any method runs is JSON too (`{"data":null}`), the cause in the phrase.
      if (path.startsWith('/api2/'))
        assert.equal(answer.headers['content-type'], 'application/json;charset=UTF-8', path);
    }
  });

  it("puts the web interface's ticket in an HttpOnly cookie, and API clients' in the JSON", async () => {
    const ca = readFileSync(join(dataDir, 'tessera.crt'));
    const password = readFileSync(join(dataDir, 'admin-password'), 'utf8').trim();
    const form = { username: 'admin@pve', password };
    const api = await send(port, ca, '/api2/json/access/ticket', { method: 'POST', form });
    assert.equal(api.status, 200);
    assert.match((JSON.parse(api.body) as { data: { ticket: string } }).data.ticket, /^PVE:/);
    assert.equal(api.headers['set-cookie'], undefined);

    const ui = { 'x-tessera-ui': '1' };
    const login = await send(port, ca, '/api2/json/access/ticket', {
      method: 'POST',
      form,
      headers: ui,
    });
    assert.equal(login.status, 200);
    const data = (JSON.parse(login.body) as { data: Record<string, unknown> }).data;
    assert.equal(data['ticket'], undefined);
    assert.equal(typeof data['CSRFPreventionToken'], 'string');
    const [cookie] = login.headers['set-cookie'] ?? [];
    assert.match(
      cookie ?? '',
      /^PVEAuthCookie=PVE%3Aadmin%40pve%3A[^;]+; Path=\/; HttpOnly; SameSite=Strict; Secure$/,
    );
    const jar = (cookie ?? '').split(';')[0] ?? '';
    const users = await send(port, ca, '/api2/json/access/users', { headers: { cookie: jar } });
    assert.equal(users.status, 200);

    // Renewal: an empty password stands for the cookie's ticket, for the web interface only.
    const renewed = await send(port, ca, '/api2/json/access/ticket', {
      method: 'POST',
      form: { username: 'admin@pve', password: '' },
      headers: { ...ui, cookie: jar },
    });
    assert.equal(renewed.status, 200, renewed.body);
    assert.match(
      renewed.headers['set-cookie']?.[0] ?? '',
      /^PVEAuthCookie=PVE%3Aadmin%40pve%3A.*HttpOnly/,
    );
    const noHeader = await send(port, ca, '/api2/json/access/ticket', {
      method: 'POST',
      form: { username: 'admin@pve', password: '' },
      headers: { cookie: jar },
    });
    assert.equal(noHeader.status, 401);

    const out = await send(port, ca, '/api2/json/access/ticket', { method: 'DELETE' });
    assert.equal(out.status, 200);
    assert.deepEqual(out.headers['set-cookie'], [
      'PVEAuthCookie=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict; Secure',
    ]);
  });
});
