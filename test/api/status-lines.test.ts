/**
 * Error answers over the wire as pveproxy sends them: the message's first line as the status
 * line's reason phrase (what proxmoxer and Ansible show as the cause), the JSON body with the
 * whole message and Proxmox's `errors` map, and only `{"data":null}` for refusals before a method runs.
 * Where Proxmox's own code can answer (the reference oracle), the messages are compared.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/server.js';
import { reasonPhrase } from '../../src/api/http.js';
import { csrfToken } from '../../src/auth/csrf.js';
import { hashPassword } from '../../src/auth/password.js';
import { serverKeys } from '../../src/auth/server-keys.js';
import { signTicket } from '../../src/auth/ticket.js';
import { parseUserId } from '../../src/model/ids.js';
import { bootstrap } from '../../src/services/bootstrap.js';
import { liveContext } from '../../src/services/context.js';
import { ensureServerKeys } from '../../src/services/server-keys.js';
import { createUser } from '../../src/services/users.js';
import { LiveAccess } from '../../src/store/live.js';
import { MemoryStore } from '../../src/store/memory.js';
import { repoRoot } from '../support/conformance.js';

const T = Math.floor(Date.now() / 1000);

interface Answer {
  readonly status: number;
  readonly reason: string;
  readonly contentType: string | undefined;
  readonly body: string;
}

/** One request with node:http, reading the status line as it came. */
function raw(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body = '',
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: `/api2/json${path}`,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': String(Buffer.byteLength(body)),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            reason: res.statusMessage ?? '',
            contentType: res.headers['content-type'],
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

interface OracleAnswer {
  readonly status: number;
  readonly message: string;
  readonly errors?: Record<string, string>;
}

/** Proxmox's own answers to API calls, from the reference oracle (pve-access-control 9.1). */
function oracle(
  userCfg: string,
  queries: readonly { authid: string; method: string; path: string; params?: object }[],
): OracleAnswer[] {
  const script = join(repoRoot, '..', 'shared', 'reference', 'oracle', 'run-oracle.sh');
  const run = spawnSync(script, {
    input: JSON.stringify({
      user_cfg: userCfg,
      queries: queries.map((q) => ({ op: 'api', ...q })),
    }),
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr);
  return (JSON.parse(run.stdout) as { results: OracleAnswer[] }).results;
}

describe('status lines of error answers', () => {
  let live: LiveAccess;
  let app: FastifyInstance;
  let port: number;
  let adminPassword: string;

  before(async () => {
    live = await LiveAccess.open(new MemoryStore());
    const ctx = liveContext(live);
    adminPassword = (await bootstrap(ctx)) ?? '';
    await ensureServerKeys(ctx, T - 100);
    await createUser(ctx, {
      userid: parseUserId('bob@pve'),
      passwordHash: await hashPassword('bob password'),
    });
    app = await buildApi({ live, authFailureDelayMs: 0, throttle: false });
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as AddressInfo).port;
  });
  after(async () => {
    await app.close();
    await live.close();
  });

  const as = (userid: string): Record<string, string> => {
    const keys = serverKeys(live.snapshot);
    assert.ok(keys);
    return {
      cookie: `PVEAuthCookie=${encodeURIComponent(signTicket(keys.ring, 'PVE', userid, T))}`,
      csrfpreventiontoken: csrfToken(keys.csrfSecret, userid, T),
    };
  };

  it('refuses requests without or with bad credentials with the cause in the status line alone', async () => {
    const none = await raw(port, 'GET', '/access/users');
    assert.deepEqual(
      [none.status, none.reason, none.body, none.contentType],
      [401, 'No ticket', '{"data":null}', 'application/json;charset=UTF-8'],
    );
    const forged = await raw(port, 'GET', '/access/users', {
      cookie: 'PVEAuthCookie=PVE:bob@pve:00000000::AAAA',
    });
    assert.deepEqual(
      [forged.status, forged.reason, forged.body],
      [401, 'Authentication failed!', '{"data":null}'],
    );
    const token = await raw(port, 'GET', '/access/users', {
      authorization: 'PVEAPIToken=bob@pve!ci=00000000-0000-0000-0000-000000000000',
    });
    assert.deepEqual(
      [token.status, token.reason, token.body],
      [401, 'Authentication failed!', '{"data":null}'],
    );
    const noCsrf = { cookie: as('bob@pve')['cookie'] ?? '' };
    const csrf = await raw(port, 'POST', '/access/groups', noCsrf, 'groupid=ops');
    assert.deepEqual(
      [csrf.status, csrf.reason, csrf.body],
      [401, 'Permission denied - invalid csrf token', '{"data":null}'],
    );
  });

  it('answers a failed login `401 authentication failure` with the JSON body', async () => {
    const failed = await raw(port, 'POST', '/access/ticket', {}, 'username=bob@pve&password=no');
    assert.deepEqual(
      [failed.status, failed.reason, JSON.parse(failed.body)],
      [401, 'authentication failure', { data: null, message: 'authentication failure\n' }],
    );
    const ok = await raw(
      port,
      'POST',
      '/access/ticket',
      {},
      `username=admin@pve&password=${encodeURIComponent(adminPassword)}`,
    );
    assert.deepEqual([ok.status, ok.reason], [200, 'OK']);
  });

  it("sends Proxmox's messages and errors maps, compared with Proxmox's own answers", async () => {
    const calls = [
      { authid: 'bob@pve', method: 'POST', path: '/access/groups', params: { groupid: 'ops' } },
      { authid: 'root@pam', method: 'GET', path: '/access/users/nobody@pve' },
      { authid: 'root@pam', method: 'POST', path: '/access/users', params: { userid: 'bad' } },
      { authid: 'root@pam', method: 'DELETE', path: '/access/groups/nogroup' },
      { authid: 'root@pam', method: 'POST', path: '/access/roles', params: { roleid: 'PVEAdmin' } },
    ];
    const expected = oracle('user:root@pam:1:0::::::\nuser:bob@pve:1:0::::::\n', calls);
    for (const [i, call] of calls.entries()) {
      const want = expected[i];
      assert.ok(want);
      const form = new URLSearchParams(call.params as Record<string, string> | undefined);
      const path = call.method === 'GET' ? `${call.path}?${form.toString()}` : call.path;
      const got = await raw(port, call.method, path, as(call.authid), form.toString());
      const body = JSON.parse(got.body) as { data: unknown; message: string; errors?: object };
      assert.deepEqual(
        { status: got.status, reason: got.reason, message: body.message, errors: body.errors },
        {
          status: want.status,
          reason: want.message.split('\n')[0],
          message: want.message,
          errors: want.errors,
        },
        `${call.method} ${call.path}`,
      );
      assert.equal(body.data, null);
    }
  });

  it('names a missing method by its path below the API root, as pveproxy does', async () => {
    const missing = await raw(port, 'GET', '/access/nothing/bob%40pve?x=1', as('root@pam'));
    assert.deepEqual(
      [missing.status, missing.reason, JSON.parse(missing.body)],
      [
        501,
        "Method 'GET /access/nothing/bob@pve' not implemented",
        { data: null, message: "Method 'GET /access/nothing/bob@pve' not implemented" },
      ],
    );
  });

  it('says how large a body may be when it refuses one with 413', async () => {
    const login = await raw(port, 'POST', '/access/ticket', {}, `password=${'x'.repeat(70_000)}`);
    assert.deepEqual(
      [login.status, login.reason],
      [413, 'request body too large (at most 65536 bytes)'],
    );
    const change = await raw(
      port,
      'POST',
      '/access/groups',
      as('root@pam'),
      `comment=${'x'.repeat(600_000)}&groupid=big`,
    );
    assert.deepEqual(
      [change.status, change.reason, JSON.parse(change.body)],
      [
        413,
        'request body too large (at most 524288 bytes)',
        { data: null, message: 'request body too large (at most 524288 bytes)\n' },
      ],
    );
  });

  it('keeps a status line sendable whatever the message holds', async () => {
    // A user id beyond Latin-1 reaches the phrase of `no such user`: the body keeps it whole.
    const id = 'j\u00fcrgen\u20ac\u{1f600}@pve';
    const answer = await raw(
      port,
      'GET',
      `/access/users/${encodeURIComponent(id)}`,
      as('root@pam'),
    );
    assert.equal(answer.status, 500);
    assert.equal(answer.reason, "no such user ('j?rgen??@pve')");
    assert.equal(
      (JSON.parse(answer.body) as { message: string }).message,
      `no such user ('${id}')\n`,
    );

    assert.equal(reasonPhrase('first line\nsecond line\n', 500), 'first line');
    assert.equal(reasonPhrase('a\rb\u0000c\u0085d\te', 500), 'a b c?d\te');
    assert.equal(reasonPhrase('\n', 403), 'Forbidden');
    const long = reasonPhrase('x'.repeat(5000), 500);
    assert.equal(long.length, 512);
    assert.ok(long.endsWith('...'));
  });
});
