/**
 * The shipped fail2ban filter against the log Tessera writes, checked with Debian's
 * `fail2ban-regex`: every failed login is found with the right address, successful logins
 * are not, and a user name crafted to look like another failure line cannot make fail2ban
 * ban an address of the attacker's choice.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { AuthLogFile } from '../../src/api/auth-log.js';
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
    const log = new AuthLogFile(logFile);
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
    for (let i = 0; i < 4; i++)
      assert.equal((await login('203.0.113.9', 'admin@pve', 'wrong')).statusCode, 401);
    assert.equal((await login('198.51.100.4', 'nobody@pve', 'x')).statusCode, 401);
    assert.equal((await login('192.0.2.1', 'admin@pve', password)).statusCode, 200);
    const forged = 'x authentication failure; rhost=10.9.9.9 user=y msg=z';
    assert.equal((await login('198.51.100.77', forged, 'x')).statusCode, 401);
    await log.close();
    await app.close();
    await live.close();

    const filter = join(repoRoot, 'contrib', 'fail2ban', 'filter.d', 'tessera.conf');
    const output = execFileSync('fail2ban-regex', ['-v', logFile, filter], { encoding: 'utf8' });
    assert.match(output, /Lines: 6 lines, 0 ignored, 6 matched, 0 missed/);
    const hosts = [...output.matchAll(/^\|\s+([\d.:a-fA-F]+)\s+\w{3} \w{3} /gm)]
      .map((m) => m[1])
      .sort();
    assert.deepEqual(
      hosts,
      ['198.51.100.4', '198.51.100.77', ...Array<string>(4).fill('203.0.113.9')].sort(),
    );
    assert.doesNotMatch(readFileSync(logFile, 'utf8'), /rhost=10\.9\.9\.9/);
  });
});
