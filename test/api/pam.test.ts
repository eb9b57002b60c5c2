/**
 * The pam realm against real Linux PAM: a Linux user made with useradd and chpasswd logs in
 * as <name>@pam; a wrong password and an expired account (chage -E 0, which only PAM's
 * account check catches) are refused. Needs root, as CI has. The test installs its own PAM
 * service without the failure delay, and removes it and the user afterwards.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/server.js';
import { ensureServerKeys } from '../../src/services/server-keys.js';
import { parseUserId } from '../../src/model/ids.js';
import { bootstrap } from '../../src/services/bootstrap.js';
import { liveContext } from '../../src/services/context.js';
import { createUser } from '../../src/services/users.js';
import { LiveAccess } from '../../src/store/live.js';
import { MemoryStore } from '../../src/store/memory.js';

const name = `tpam${randomBytes(3).toString('hex')}`;
const password = `Pam-${randomBytes(6).toString('hex')}`;
const service = `tessera-test-${name}`;
const serviceFile = `/etc/pam.d/${service}`;

describe('pam realm with Linux PAM', { timeout: 60_000 }, () => {
  let live: LiveAccess;
  let app: FastifyInstance;
  const failures: string[] = [];

  before(async () => {
    execFileSync('useradd', ['-M', '-s', '/usr/sbin/nologin', name]);
    execFileSync('chpasswd', [], { input: `${name}:${password}\n` });
    writeFileSync(serviceFile, 'auth required pam_unix.so nodelay\naccount required pam_unix.so\n');
    live = await LiveAccess.open(new MemoryStore());
    const ctx = liveContext(live);
    await bootstrap(ctx);
    await ensureServerKeys(ctx, Math.floor(Date.now() / 1000));
    await createUser(ctx, { userid: parseUserId(`${name}@pam`) });
    app = await buildApi({
      live,
      authFailureDelayMs: 0,
      throttle: false,
      pamService: service,
      onAuthFailure: (event) => failures.push(event.reason),
    });
  });
  after(async () => {
    await app.close();
    await live.close();
    rmSync(serviceFile, { force: true });
    execFileSync('userdel', [name]);
  });

  const login = (pw: string) =>
    app.inject({
      method: 'POST',
      url: '/api2/json/access/ticket',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ username: name, realm: 'pam', password: pw }).toString(),
    });

  it('logs a Linux user in through PAM', async () => {
    const response = await login(password);
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(
      (JSON.parse(response.body) as { data: { username: string } }).data.username,
      `${name}@pam`,
    );
  });

  it('refuses a wrong password and an expired account, with PAM saying why', async () => {
    assert.equal((await login('wrong')).statusCode, 401);
    assert.match(failures.at(-1) ?? '', /Authentication failure/i);
    execFileSync('chage', ['-E', '0', name]);
    assert.equal((await login(password)).statusCode, 401);
    assert.match(failures.at(-1) ?? '', /expired/i);
  });
});
