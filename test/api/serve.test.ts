/**
 * `tessera serve` as a process: first start on an empty data directory (bootstrap
 * administrator, certificate), a login and an administrative change over real HTTPS
 * (verified against the generated certificate), a refused login, a clean stop on SIGTERM,
 * and a second start that keeps everything.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { call, freePort, start, stop } from '../support/serve.js';

describe('tessera serve', { timeout: 60_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-serve-'));
  after(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts on an empty store, serves real clients over HTTPS, and stops on SIGTERM', async () => {
    const port = await freePort();
    const auditLog = join(dataDir, 'audit.jsonl');
    const server = start(dataDir, port, ['--audit-log', auditLog]);
    await server.ready;
    const password = /password: (\S+)/.exec(server.output())?.[1] ?? '';
    assert.equal(readFileSync(join(dataDir, 'admin-password'), 'utf8'), `${password}\n`);
    for (const file of ['admin-password', 'tessera.key', 'tessera.db'])
      assert.equal(statSync(join(dataDir, file)).mode & 0o777, 0o600, file);
    const ca = readFileSync(join(dataDir, 'tessera.crt'));

    const login = await call(port, ca, 'POST', '/access/ticket', {
      username: 'admin',
      realm: 'pve',
      password,
    });
    assert.equal(login.status, 200);
    assert.equal(login.contentType, 'application/json;charset=UTF-8');
    const { ticket, CSRFPreventionToken: csrf } = login.body.data as {
      ticket: string;
      CSRFPreventionToken: string;
    };
    const auth = { cookie: `PVEAuthCookie=${encodeURIComponent(ticket)}` };

    const created = await call(
      port,
      ca,
      'POST',
      '/access/users',
      { userid: 'carol@pve', password: 'long enough' },
      { ...auth, csrfpreventiontoken: csrf },
    );
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const noCsrf = await call(port, ca, 'POST', '/access/groups', { groupid: 'ops' }, auth);
    assert.deepEqual(
      [noCsrf.status, noCsrf.reason, noCsrf.body],
      [401, 'Permission denied - invalid csrf token', { data: null }],
    );
    const carol = await call(port, ca, 'POST', '/access/ticket', {
      username: 'carol@pve',
      password: 'long enough',
    });
    assert.equal(carol.status, 200);

    const started = Date.now();
    const refused = await call(port, ca, 'POST', '/access/ticket', {
      username: 'carol@pve',
      password: 'wrong',
    });
    assert.deepEqual(
      [refused.status, refused.reason, refused.body],
      [401, 'authentication failure', { data: null, message: 'authentication failure\n' }],
    );
    assert.ok(Date.now() - started >= 2_900, 'a failed login is held for the floor delay');
    assert.match(
      server.output(),
      /authentication failure; rhost=127\.0\.0\.1 user=carol@pve msg=invalid credentials/,
    );

    assert.equal(await stop(server.child), 0);
    assert.match(server.output(), /Tessera stopped/);
    const audit = readFileSync(auditLog, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(
      audit.map(({ kind, cause, user }) => [kind, cause, user]),
      [
        ['request', 'csrf_missing', 'admin@pve'],
        ['login', 'wrong_password', 'carol@pve'],
      ],
    );
  });

  it('keeps its store, certificate and keys on the next start', async () => {
    const port = await freePort();
    const certificate = readFileSync(join(dataDir, 'tessera.crt'));
    const server = start(dataDir, port);
    await server.ready;
    // The password is not printed again; while its file still holds it, serve says where.
    assert.doesNotMatch(server.output(), /password: /);
    assert.match(
      server.output(),
      /Bootstrap administrator admin@pve: its password is in .*admin-password \(change the password, then delete the file\)/,
    );
    assert.deepEqual(readFileSync(join(dataDir, 'tessera.crt')), certificate);
    const login = await call(port, certificate, 'POST', '/access/ticket', {
      username: 'carol@pve',
      password: 'long enough',
    });
    assert.equal(login.status, 200);
    assert.equal(await stop(server.child), 0);
  });
});
