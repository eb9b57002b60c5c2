/**
 * Bounded work per request, over HTTP on loopback: an over-long password is refused like any
 * failed login without being hashed; costly crypt hashes are verified off the event loop,
 * so another client's request is answered promptly meanwhile; the current password of
 * `PUT /access/password` is checked under the login throttle, with the failure delay and an
 * auth-log event.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { encrypt } from 'unixcrypt';
import { buildApi } from '../../src/api/server.js';
import { hashPassword } from '../../src/auth/password.js';
import { parseUserId } from '../../src/model/ids.js';
import type { AuthFailureEvent } from '../../src/services/login/events.js';
import { bootstrap } from '../../src/services/bootstrap.js';
import { liveContext } from '../../src/services/context.js';
import { ensureServerKeys } from '../../src/services/server-keys.js';
import { createUser } from '../../src/services/users.js';
import { LiveAccess } from '../../src/store/live.js';
import { MemoryStore } from '../../src/store/memory.js';

const DELAY_MS = 400;

describe('bounded work for every password check', () => {
  let live: LiveAccess;
  let app: FastifyInstance;
  let base: string;
  const events: AuthFailureEvent[] = [];

  before(async () => {
    live = await LiveAccess.open(new MemoryStore());
    const ctx = liveContext(live);
    await bootstrap(ctx);
    await ensureServerKeys(ctx, Math.floor(Date.now() / 1000) - 10);
    await createUser(ctx, {
      userid: parseUserId('carol@pve'),
      // The most rounds Tessera accepts: about 0.2 s of one core per check.
      passwordHash: encrypt('carol password', '$6$rounds=100000$saltsalt'),
    });
    await createUser(ctx, {
      userid: parseUserId('dave@pve'),
      passwordHash: await hashPassword('dave password'),
    });
    await createUser(ctx, {
      userid: parseUserId('erin@pve'),
      passwordHash:
        '$6$rounds=999999999$saltsalt$hRM5XZ86KXEw9UOmjigeVqFgULtFB2sgpC9lXQDfMib3Zgw7mEiUvBJI2EplzfAqxL5Vvwp2scFtv/uamSo5z0',
    });
    app = await buildApi(
      {
        live,
        authFailureDelayMs: DELAY_MS,
        throttle: { failures: 3, windowSeconds: 60, banSeconds: 300, addressFailures: 50 },
        onAuthFailure: (event) => events.push(event),
      },
      undefined,
      ['127.0.0.1'],
    );
    base = `${await app.listen({ host: '127.0.0.1', port: 0 })}/api2/json`;
  });
  after(async () => {
    await app.close();
    await live.close();
  });

  const send = async (
    method: string,
    path: string,
    form: Record<string, string>,
    from: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; ms: number; body: { data: unknown } }> => {
    const started = performance.now();
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-forwarded-for': from,
        ...headers,
      },
      body: new URLSearchParams(form).toString(),
    });
    const body = (await response.json()) as { data: unknown };
    return { status: response.status, ms: performance.now() - started, body };
  };

  /** The slowest of `count` requests of another client, one after the other, while `busy` runs. */
  const othersWhile = async (busy: Promise<unknown>, count: number): Promise<number> => {
    let slowest = 0;
    const state = { done: false };
    void busy.finally(() => (state.done = true));
    for (let i = 0; i < count && !state.done; i++) {
      const started = performance.now();
      const response = await fetch(`${base}/access/ticket`);
      await response.json();
      slowest = Math.max(slowest, performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await busy;
    return slowest;
  };

  it('refuses a login body over 64 KiB before reading it, and any body over 512 KiB', async () => {
    const login = await send(
      'POST',
      '/access/ticket',
      { username: 'carol@pve', password: 'x'.repeat(65 * 1024) },
      '198.51.100.2',
    );
    assert.equal(login.status, 413);
    assert.ok(login.ms < DELAY_MS, String(login.ms));
    const ticket = await send(
      'POST',
      '/access/ticket',
      { username: 'dave@pve', password: 'dave password' },
      '198.51.100.3',
    );
    const data = ticket.body.data as { ticket: string; CSRFPreventionToken: string };
    const auth = {
      cookie: `PVEAuthCookie=${encodeURIComponent(data.ticket)}`,
      csrfpreventiontoken: data.CSRFPreventionToken,
    };
    const large = { userid: 'x@pve', comment: 'x'.repeat(400 * 1024) };
    const accepted = await send('POST', '/access/users', large, '198.51.100.3', auth);
    assert.equal(accepted.status, 400, 'a large body of a known caller is read and checked');
    const huge = { userid: 'x@pve', comment: 'x'.repeat(520 * 1024) };
    const refused = await send('POST', '/access/users', huge, '198.51.100.3', auth);
    assert.equal(refused.status, 413);
  });

  it('parses no body before the caller is authenticated', async () => {
    // Malformed JSON: parsed, it would be refused with 400; unparsed, the missing
    // credentials are what the client hears.
    const response = await fetch(`${base}/access/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.4' },
      body: '{"userid": ',
    });
    assert.equal(response.status, 401);
    const forged = await fetch(`${base}/access/users`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-forwarded-for': '198.51.100.4',
        cookie: 'PVEAuthCookie=PVE:root@pam:6572B4E0::c2lnbmF0dXJl',
      },
      body: '{"userid": ',
    });
    assert.equal(forged.status, 401);
  });

  it('refuses a 60 kB password like a failed login, without hashing it', async () => {
    const login = send(
      'POST',
      '/access/ticket',
      // Percent-escapes: the costliest body to parse that the login accepts.
      { username: 'carol@pve', password: 'é'.repeat(10 * 1024) },
      '198.51.100.1',
    );
    const slowest = await othersWhile(login, 10);
    const answer = await login;
    assert.equal(answer.status, 401);
    assert.ok(answer.ms >= DELAY_MS - 5 && answer.ms < DELAY_MS + 1500, String(answer.ms));
    // Not a speed target (bench/logins.ts measures that): the old code froze for 20 s here.
    assert.ok(slowest < 1000, `another client waited ${slowest.toFixed(0)} ms`);
    const event = events.find((e) => e.rhost === '198.51.100.1');
    assert.equal(event?.cause, 'password_too_long');
    assert.equal(event.user, 'carol@pve');
  });

  it('lets one address log in with many parallel clients on an idle node', async () => {
    const logins = await Promise.all(
      Array.from({ length: 24 }, () =>
        send(
          'POST',
          '/access/ticket',
          { username: 'dave@pve', password: 'dave password' },
          '198.51.100.9',
        ),
      ),
    );
    assert.deepEqual(
      logins.map((login) => login.status),
      logins.map(() => 200),
    );
  });

  it('checks costly crypt hashes off the event loop', async () => {
    const logins = Promise.all(
      [1, 2, 3, 4, 5].map((i) =>
        send(
          'POST',
          '/access/ticket',
          { username: 'carol@pve', password: `wrong ${String(i)}` },
          `192.0.2.${String(i)}`,
        ),
      ),
    );
    const slowest = await othersWhile(logins, 40);
    assert.deepEqual(
      (await logins).map((r) => r.status),
      [401, 401, 401, 401, 401],
    );
    // Not a speed target (bench/logins.ts measures that): the old code froze for 20 s here.
    assert.ok(slowest < 1000, `another client waited ${slowest.toFixed(0)} ms`);
    const right = await send(
      'POST',
      '/access/ticket',
      { username: 'carol@pve', password: 'carol password' },
      '192.0.2.50',
    );
    assert.equal(right.status, 200);
  });

  it('never runs a stored hash beyond the rounds bound', async () => {
    const answer = await send(
      'POST',
      '/access/ticket',
      { username: 'erin@pve', password: 'correct horse' },
      '192.0.2.99',
    );
    assert.equal(answer.status, 401);
    assert.ok(answer.ms < DELAY_MS + 1000, String(answer.ms));
  });

  describe('PUT /access/password', () => {
    let auth: Record<string, string>;
    before(async () => {
      const login = await send(
        'POST',
        '/access/ticket',
        { username: 'dave@pve', password: 'dave password' },
        '10.1.1.1',
      );
      const data = login.body.data as { ticket: string; CSRFPreventionToken: string };
      auth = {
        cookie: `PVEAuthCookie=${encodeURIComponent(data.ticket)}`,
        csrfpreventiontoken: data.CSRFPreventionToken,
      };
    });

    const change = (confirmation: string, from: string) =>
      send(
        'PUT',
        '/access/password',
        { userid: 'dave@pve', password: 'new password 1', 'confirmation-password': confirmation },
        from,
        auth,
      );

    it('refuses an over-long current password like a failed login', async () => {
      events.length = 0;
      const long = await change('y'.repeat(200_000), '203.0.113.9');
      assert.equal(long.status, 401);
      assert.ok(long.ms >= DELAY_MS - 5, String(long.ms));
      assert.equal(events.at(-1)?.cause, 'password_too_long');
    });
    it('delays and logs a wrong password given again for a second-factor change', async () => {
      events.length = 0;
      const wrong = await send(
        'POST',
        '/access/tfa/dave@pve',
        { type: 'recovery', password: 'not dave password' },
        '203.0.113.7',
        auth,
      );
      assert.equal(wrong.status, 401);
      assert.ok(wrong.ms >= DELAY_MS - 5, String(wrong.ms));
      assert.deepEqual(
        events.map((e) => [e.rhost, e.user, e.cause]),
        [['203.0.113.7', 'dave@pve', 'wrong_password']],
      );
    });
    it('delays, logs and throttles a wrong current password', async () => {
      events.length = 0;
      for (let i = 0; i < 3; i++) {
        const wrong = await change(`wrong password ${String(i)}`, '203.0.113.5');
        assert.equal(wrong.status, 401);
        assert.ok(wrong.ms >= DELAY_MS - 5, String(wrong.ms));
      }
      assert.deepEqual(
        events.map((e) => [e.rhost, e.user, e.cause]),
        [
          ['203.0.113.5', 'dave@pve', 'wrong_password'],
          ['203.0.113.5', 'dave@pve', 'wrong_password'],
          ['203.0.113.5', 'dave@pve', 'wrong_password'],
        ],
      );
      // Throttled: even the right password is not checked from there.
      const refused = await change('dave password', '203.0.113.5');
      assert.equal(refused.status, 401);
      assert.equal(events.at(-1)?.cause, 'throttled');
      // A login from there is throttled too: the password change counted as failed logins.
      const login = await send(
        'POST',
        '/access/ticket',
        { username: 'dave@pve', password: 'dave password' },
        '203.0.113.5',
      );
      assert.equal(login.status, 401);
      assert.equal(events.at(-1)?.cause, 'throttled');
      // Elsewhere the right password still changes it.
      const accepted = await change('dave password', '10.1.1.1');
      assert.equal(accepted.status, 200);
    });
  });
});
