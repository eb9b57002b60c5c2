/**
 * `GET /metrics` of a running `tessera serve`: the counters move by exactly the logins that
 * happened (a password login, a wrong password, a TOTP answer right and wrong), the token
 * guards the main port, and requests to a thousand unknown paths add no series.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hashPassword } from '../../src/auth/password.js';
import { parseUserId } from '../../src/model/ids.js';
import { bootstrap } from '../../src/services/bootstrap.js';
import { liveContext } from '../../src/services/context.js';
import { createUser } from '../../src/services/users.js';
import { encodeTfaUser, KEYS } from '../../src/store/codec.js';
import { LiveAccess } from '../../src/store/live.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { hotpCode } from '../../src/tfa/totp.js';
import { runCli } from '../support/cli.js';
import { moved, plain, samples } from '../support/probe.js';
import { freePort, start, stop } from '../support/serve.js';

const SECRET = Buffer.from('3132333435363738393031323334353637383930', 'hex');
const TOKEN = 'scrape-token-0123456789abcdef';

/** A data directory with bob (password only) and alice (password and TOTP). */
async function prepare(dataDir: string): Promise<void> {
  const live = await LiveAccess.open(new SqliteStore(join(dataDir, 'tessera.db')));
  const ctx = liveContext(live);
  await bootstrap(ctx);
  const alice = parseUserId('alice@pve');
  await createUser(ctx, {
    userid: parseUserId('bob@pve'),
    passwordHash: await hashPassword('bob password'),
  });
  await createUser(ctx, { userid: alice, passwordHash: await hashPassword('alice password') });
  const info = { id: 't1', description: 'phone', created: 1_700_000_000, enable: true };
  const totp = { secret: SECRET, algorithm: 'SHA1' as const, digits: 6, period: 30, account: 'a' };
  await live.store.transact(
    [],
    [
      {
        op: 'put',
        key: KEYS.tfa(alice),
        value: encodeTfaUser(
          {
            totp: [{ info, totp }],
            u2f: [],
            webauthn: [],
            yubico: [],

            totpLocked: false,
          },
          1,
        ),
      },
    ],
  );
  await live.close();
}

function totpNow(): string {
  return hotpCode(
    { secret: SECRET, algorithm: 'SHA1', digits: 6 },
    Math.floor(Date.now() / 30_000),
  );
}

function login(
  port: number,
  form: Record<string, string>,
): Promise<{ status: number; text: string }> {
  return plain(port, '/api2/json/access/ticket', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
}

describe('metrics on a listen address of their own', { timeout: 120_000 }, () => {
  let dir: string;
  let port: number;
  let metricsPort: number;
  let server: ReturnType<typeof start>;
  const scrape = async (): Promise<Map<string, number>> => {
    const answer = await plain(metricsPort, '/metrics');
    assert.equal(answer.status, 200);
    return samples(answer.text);
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-metrics-'));
    await prepare(join(dir, 'data'));
    [port, metricsPort] = [await freePort(), await freePort()];
    server = start(join(dir, 'data'), port, [
      '--http',
      '--login-delay',
      '0',
      '--metrics-listen',
      `127.0.0.1:${String(metricsPort)}`,
    ]);
    await server.ready;
  });

  after(async () => {
    await stop(server.child);
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts exactly the logins and second factors that happened', async () => {
    const before = await scrape();
    assert.equal(
      (await login(port, { username: 'bob@pve', password: 'bob password' })).status,
      200,
    );
    assert.equal((await login(port, { username: 'bob@pve', password: 'wrong' })).status, 401);
    const challenge = await login(port, { username: 'alice@pve', password: 'alice password' });
    assert.equal(challenge.status, 200);
    const ticket = (JSON.parse(challenge.text) as { data: { ticket: string } }).data.ticket;
    const answer = (code: string) =>
      login(port, { username: 'alice@pve', 'tfa-challenge': ticket, password: `totp:${code}` });
    const wrong = totpNow() === '000000' ? '111111' : '000000';
    assert.equal((await answer(wrong)).status, 401);
    assert.equal((await answer(totpNow())).status, 200);
    const after = await scrape();

    assert.deepEqual(
      {
        ...moved(before, after, 'tessera_logins_total'),
        ...moved(before, after, 'tessera_second_factors_total'),
      },
      {
        'tessera_logins_total{result="success",cause="none"}': 2,
        'tessera_logins_total{result="failure",cause="wrong_password"}': 1,
        'tessera_logins_total{result="failure",cause="tfa_wrong_code"}': 1,
        'tessera_second_factors_total{type="totp",result="success"}': 1,
        'tessera_second_factors_total{type="totp",result="failure"}': 1,
      },
    );
    assert.equal(after.get('tessera_ready'), 1);
    assert.equal(after.get('tessera_store_writable'), 1);
    assert.equal(after.get('tessera_password_hash_queue_length'), 0);
    assert.ok((after.get('tessera_store_revision') ?? 0) > 0);
    assert.ok((after.get('tessera_snapshot_age_seconds') ?? -1) >= 0);
    assert.equal(
      after.get(
        'tessera_http_request_duration_seconds_count{method="POST",route="/api2/json/access/ticket",status="4xx"}',
      ),
      2,
    );
  });

  it('adds no series for requests to a thousand unknown paths', async () => {
    const series = async (): Promise<string[]> =>
      [...(await scrape()).keys()].filter((name) => name.startsWith('tessera_')).sort();
    // The first one makes the one series every unknown path shares.
    await plain(port, '/api2/json/unknown/first');
    const before = await series();
    for (let i = 0; i < 1000; i += 50)
      await Promise.all(
        Array.from({ length: 50 }, (_, j) =>
          plain(port, `/api2/json/unknown/${String(i + j)}?x=${String(j)}`),
        ),
      );
    assert.deepEqual(await series(), before);
    const unmatched = (await scrape()).get(
      'tessera_http_request_duration_seconds_count{method="GET",route="unmatched",status="5xx"}',
    );
    assert.equal(unmatched, 1001);
  });

  it('serves no metrics on the API port', async () => {
    assert.notEqual((await plain(port, '/metrics')).status, 200);
  });
});

describe('metrics on the API port behind a token', { timeout: 60_000 }, () => {
  let dir: string;
  let port: number;
  let server: ReturnType<typeof start>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-metrics-'));
    writeFileSync(join(dir, 'token'), `${TOKEN}\n`, { mode: 0o600 });
    port = await freePort();
    server = start(join(dir, 'data'), port, ['--http', '--metrics-token-file', join(dir, 'token')]);
    await server.ready;
  });

  after(async () => {
    await stop(server.child);
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 401 without the token or with another, and the metrics with it', async () => {
    for (const headers of [
      {},
      { authorization: 'Bearer wrong-token-0123456789' },
      { authorization: TOKEN },
    ]) {
      const refused = await plain(port, '/metrics', { headers });
      assert.equal(refused.status, 401);
      assert.equal(refused.text, 'unauthorized\n');
      assert.equal(refused.headers['www-authenticate'], 'Bearer realm="tessera metrics"');
    }
    const scraped = await plain(port, '/metrics', {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(scraped.status, 200);
    assert.match(scraped.headers['content-type'] as string, /^text\/plain; version=0\.0\.4/);
    assert.ok(samples(scraped.text).has('tessera_ready'));
    assert.ok(!server.output().includes(TOKEN));
  });

  it('refuses to start with a token file too short, naming the option', async () => {
    writeFileSync(join(dir, 'short'), 'abc\n');
    const result = await runCli(
      'serve',
      '--http',
      '--listen',
      '127.0.0.1:1',
      '--metrics-token-file',
      join(dir, 'short'),
    );
    assert.notEqual(result.status, 0);
    assert.match(
      result.stderr,
      /--metrics-token-file .*short: expected at least 16 characters, found 3/,
    );
    assert.ok(!result.stderr.includes('abc'));
  });
});
