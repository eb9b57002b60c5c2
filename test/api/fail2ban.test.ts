/**
 * The shipped fail2ban filter against the log Tessera writes, checked with Debian's
 * `fail2ban-regex`: every failed login is found with the right address, successful logins
 * are not, and a user name crafted to look like another failure line cannot make fail2ban
 * ban an address of the attacker's choice. A health probe without credentials, however often
 * it asks, and a client with a stale ticket are never found, so never banned.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { AuthLogFile } from '../../src/api/auth-log.js';
import { LogFile } from '../../src/api/log-file.js';
import { buildApi } from '../../src/api/server.js';
import { ensureServerKeys } from '../../src/services/server-keys.js';
import { bootstrap } from '../../src/services/bootstrap.js';
import { liveContext } from '../../src/services/context.js';
import { LiveAccess } from '../../src/store/live.js';
import { MemoryStore } from '../../src/store/memory.js';
import { repoRoot } from '../support/conformance.js';

describe('fail2ban filter', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-fail2ban-'));
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds every failed login, with its address, and cannot be steered', async () => {
    const live = await LiveAccess.open(new MemoryStore());
    const password = (await bootstrap(liveContext(live))) ?? '';
    await ensureServerKeys(liveContext(live), Math.floor(Date.now() / 1000));
    const logFile = join(dir, 'auth.log');
    const file = new LogFile(logFile);
    const log = new AuthLogFile(file);
    const app = await buildApi(
      {
        live,
        authFailureDelayMs: 0,
        throttle: false,
        onAuthFailure: (event) => {
          log.write(event);
        },
      },
      undefined,
      ['127.0.0.1'],
    );
    const login = (from: string, username: string, pw: string) =>
      app.inject({
        method: 'POST',
        url: '/api2/json/access/ticket',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': from },
        payload: new URLSearchParams({ username, password: pw }).toString(),
      });
    const jail = readFileSync(
      join(repoRoot, 'contrib', 'fail2ban', 'jail.d', 'tessera.conf'),
      'utf8',
    );
    const maxretry = Number(/^maxretry\s*=\s*(\d+)/m.exec(jail)?.[1]);
    assert.ok(maxretry > 0);
    const probe = (from: string, headers: Record<string, string> = {}) =>
      app.inject({
        method: 'GET',
        url: '/api2/json/access/users',
        headers: { 'x-forwarded-for': from, ...headers },
      });
    for (let i = 0; i < 3 * maxretry; i++) {
      assert.equal((await probe('192.0.2.50')).statusCode, 401);
      assert.equal((await probe('192.0.2.50', { cookie: 'other=1' })).statusCode, 401);
      const stale = `PVE:admin@pve:${(Math.floor(Date.now() / 1000) - 9000).toString(16).toUpperCase()}::AAAA`;
      const refused = await probe('192.0.2.60', { cookie: `PVEAuthCookie=${stale}` });
      assert.equal(refused.statusCode, 401);
    }
    for (let i = 0; i < maxretry; i++)
      assert.equal((await login('203.0.113.9', 'admin@pve', 'wrong')).statusCode, 401);
    assert.equal((await login('198.51.100.4', 'nobody@pve', 'x')).statusCode, 401);
    assert.equal((await login('192.0.2.1', 'admin@pve', password)).statusCode, 200);
    const forged = 'x authentication failure; rhost=10.9.9.9 user=y msg=z';
    assert.equal((await login('198.51.100.77', forged, 'x')).statusCode, 401);
    await file.close();
    await app.close();
    await live.close();

    const filter = join(repoRoot, 'contrib', 'fail2ban', 'filter.d', 'tessera.conf');
    const output = execFileSync('fail2ban-regex', ['-v', logFile, filter], { encoding: 'utf8' });
    const failures = maxretry + 2;
    const refusals = 3 * maxretry;
    assert.match(
      output,
      new RegExp(
        `Lines: ${String(failures + refusals)} lines, 0 ignored, ${String(failures)} matched, ${String(refusals)} missed`,
      ),
    );
    const hosts = [...output.matchAll(/^\|\s+([\d.:a-fA-F]+)\s+\w{3} \w{3} /gm)]
      .map((m) => m[1])
      .sort();
    assert.deepEqual(
      hosts,
      ['198.51.100.4', '198.51.100.77', ...Array<string>(maxretry).fill('203.0.113.9')].sort(),
    );
    const written = readFileSync(logFile, 'utf8');
    assert.doesNotMatch(written, /rhost=10\.9\.9\.9/);
    // The probe left no trace; the stale ticket is in the log, as a refusal only.
    assert.doesNotMatch(written, /192\.0\.2\.50/);
    assert.equal(
      written.match(/refused request; rhost=192\.0\.2\.60 user=admin@pve /g)?.length,
      refusals,
    );
  });

  it('keeps the failure delay for a request without credentials, and records nothing', async () => {
    const live = await LiveAccess.open(new MemoryStore());
    await bootstrap(liveContext(live));
    await ensureServerKeys(liveContext(live), Math.floor(Date.now() / 1000));
    const events: string[] = [];
    const app = await buildApi({
      live,
      authFailureDelayMs: 400,
      onAuthFailure: (event) => events.push(event.cause),
    });
    try {
      const started = Date.now();
      const reply = await app.inject({ method: 'GET', url: '/api2/json/access/users' });
      assert.ok(Date.now() - started >= 390, `answered after ${String(Date.now() - started)} ms`);
      assert.equal(reply.statusCode, 401);
      assert.match(`${reply.statusMessage} ${reply.body}`, /No ticket/);
      const forged = await app.inject({
        method: 'GET',
        url: '/api2/json/access/users',
        headers: { cookie: 'PVEAuthCookie=PVE:admin@pve:00000000::AAAA' },
      });
      assert.equal(forged.statusCode, 401);
      assert.deepEqual(events, ['ticket_invalid']);
    } finally {
      await app.close();
      await live.close();
    }
  });
});
