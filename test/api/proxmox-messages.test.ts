/**
 * Smaller answers as Proxmox gives them: an initial password for a user of a realm that
 * cannot store one (compared with Proxmox's own answer where the reference oracle can give
 * it), `unlock-tfa` for a user without second factors, a missing second factor, and `u2f`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/server.js';
import { csrfToken } from '../../src/auth/csrf.js';
import { serverKeys } from '../../src/auth/server-keys.js';
import { signTicket } from '../../src/auth/ticket.js';
import { parseRealmId } from '../../src/model/ids.js';
import { bootstrap } from '../../src/services/bootstrap.js';
import { liveContext } from '../../src/services/context.js';
import { createRealm } from '../../src/services/realms.js';
import { ensureServerKeys } from '../../src/services/server-keys.js';
import { LiveAccess } from '../../src/store/live.js';
import { MemoryStore } from '../../src/store/memory.js';
import { repoRoot } from '../support/conformance.js';

const T = Math.floor(Date.now() / 1000);

const DOMAINS = [
  'pam: pam',
  '',
  'pve: pve',
  '',
  'ldap: corp',
  '\tbase_dn dc=example',
  '\tserver1 ldap.example',
  '\tuser_attr uid',
  '',
  'openid: oid',
  '\tclient-id tessera',
  '\tissuer-url https://id.example',
  '',
].join('\n');

/** Proxmox's answers to one call each, from the reference oracle. */
function oracle(calls: readonly { method: string; path: string; params: object }[]) {
  const run = spawnSync(join(repoRoot, '..', 'shared', 'reference', 'oracle', 'run-oracle.sh'), {
    input: JSON.stringify({
      user_cfg: 'user:root@pam:1:0::::::\n',
      files: { 'domains.cfg': DOMAINS },
      queries: calls.map((c) => ({ op: 'api', authid: 'root@pam', ...c })),
    }),
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr);
  return (
    JSON.parse(run.stdout) as {
      results: { status: number; message: string; changed_files?: object }[];
    }
  ).results;
}

describe('smaller answers as Proxmox gives them', () => {
  let live: LiveAccess;
  let app: FastifyInstance;

  before(async () => {
    live = await LiveAccess.open(new MemoryStore());
    const ctx = liveContext(live);
    await bootstrap(ctx);
    await ensureServerKeys(ctx, T - 100);
    await createRealm(ctx, parseRealmId('corp'), 'ldap', {
      base_dn: 'dc=example',
      server1: 'ldap.example',
      user_attr: 'uid',
    });
    await createRealm(ctx, parseRealmId('oid'), 'openid', {
      'client-id': 'tessera',
      'issuer-url': 'https://id.example',
    });
    app = await buildApi({ live, authFailureDelayMs: 0, throttle: false });
  });
  after(async () => {
    await app.close();
    await live.close();
  });

  const root = (method: 'GET' | 'POST' | 'PUT', url: string, form: Record<string, string> = {}) => {
    const keys = serverKeys(live.snapshot);
    assert.ok(keys);
    return app.inject({
      method,
      url: `/api2/json${url}`,
      headers: {
        cookie: `PVEAuthCookie=${encodeURIComponent(signTicket(keys.ring, 'PVE', 'root@pam', T))}`,
        csrfpreventiontoken: csrfToken(keys.csrfSecret, 'root@pam', T),
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: new URLSearchParams(form).toString(),
    });
  };
  const answer = (reply: { statusCode: number; statusMessage: string; body: string }) => ({
    status: reply.statusCode,
    reason: reply.statusMessage,
    message: (JSON.parse(reply.body) as { message?: string }).message,
  });

  it('refuses an initial password for realms that cannot store one, and creates nothing', async () => {
    const calls = ['a@corp', 'a@oid'].map((userid) => ({
      method: 'POST',
      path: '/access/users',
      params: { userid, password: 'long enough' },
    }));
    const proxmox = oracle(calls);
    for (const [i, call] of calls.entries()) {
      const want = proxmox[i];
      assert.ok(want);
      assert.equal(want.changed_files, undefined);
      const got = answer(await root('POST', call.path, call.params));
      assert.deepEqual(got, {
        status: want.status,
        reason: want.message.trim(),
        message: want.message,
      });
    }
    // Proxmox sets a pam user's password in the host's accounts (usermod); Tessera refuses.
    assert.deepEqual(
      answer(await root('POST', '/access/users', { userid: 'a@pam', password: 'long enough' })),
      {
        status: 500,
        reason: "create user failed: can't set password on auth type 'pam'",
        message: "create user failed: can't set password on auth type 'pam'\n",
      },
    );
    for (const userid of ['a@corp', 'a@oid', 'a@pam'])
      assert.equal(live.snapshot.users.users.has(userid as never), false, userid);
    assert.equal(
      (await root('POST', '/access/users', { userid: 'a@pve', password: 'long enough' }))
        .statusCode,
      200,
    );
    assert.equal(
      (await root('POST', '/access/users', { userid: 'b@corp' })).statusCode,
      200,
      'without a password the directory user is created',
    );
  });

  it('answers unlock-tfa for a user without second factors with `no such user`', async () => {
    assert.deepEqual(answer(await root('PUT', '/access/users/a@pve/unlock-tfa')), {
      status: 500,
      reason: 'no such user',
      message: 'no such user\n',
    });
  });

  it('answers a missing second factor with 404 `No such tfa entry`', async () => {
    assert.deepEqual(answer(await root('GET', '/access/tfa/a@pve/nope')), {
      status: 404,
      reason: "No such tfa entry 'nope'",
      message: "No such tfa entry 'nope'",
    });
  });

  it('refuses u2f registrations as Proxmox does without a U2F configuration', async () => {
    const u2f = (form: Record<string, string>) =>
      root('POST', '/access/tfa/a@pve', { type: 'u2f', ...form });
    assert.deepEqual(answer(await u2f({ description: 'key' })), {
      status: 500,
      reason: 'no u2f configuration available',
      message: 'no u2f configuration available\n',
    });
    assert.equal(answer(await u2f({})).message, "'description' is required for new entries\n");
    assert.equal(
      answer(await u2f({ description: 'key', totp: 'otpauth://x' })).message,
      "'totp' parameter is invalid for 'u2f' entries\n",
    );
  });
});
