/**
 * The audit trail over HTTP and on the command line: a series of changes by an
 * administrator, a refused attempt by an unprivileged user, read back through
 * `GET /access/tessera/changes` and `tessera changes`; no secret is stored in any event.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/server.js';
import { csrfToken } from '../../src/auth/csrf.js';
import { serverKeys } from '../../src/auth/server-keys.js';
import { ensureServerKeys } from '../../src/services/server-keys.js';
import { signTicket } from '../../src/auth/ticket.js';
import { EventLog } from '../../src/diagnostics/events.js';
import type { ChangeEvent } from '../../src/model/events.js';
import { bootstrap } from '../../src/services/bootstrap.js';
import { liveContext } from '../../src/services/context.js';
import { LiveAccess } from '../../src/store/live.js';
import { openStore } from '../../src/store/open.js';
import { runCli } from '../support/cli.js';

const T = Math.floor(Date.now() / 1000);

describe('audit trail of changes', () => {
  let dir: string;
  let url: string;
  let live: LiveAccess;
  let app: FastifyInstance;
  let events: EventLog;
  let tokenValue = '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-changes-'));
    url = `sqlite:${join(dir, 'tessera.db')}`;
    live = await LiveAccess.open(await openStore(url));
    const ctx = liveContext(live);
    await bootstrap(ctx);
    await ensureServerKeys(ctx, T - 100);
    events = new EventLog(live.store, 'node1');
    app = await buildApi({
      live,
      authFailureDelayMs: 0,
      node: 'node1',
      audit: {
        record: (event) => {
          events.recordChange(event);
        },
      },
    });
  });
  after(async () => {
    await app.close();
    await live.close();
    await rm(dir, { recursive: true, force: true });
  });

  const call = async (
    userid: string,
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    form: Record<string, string> = {},
  ): Promise<{ status: number; data: unknown }> => {
    const keys = serverKeys(live.snapshot);
    assert.ok(keys);
    const body = new URLSearchParams(form).toString();
    const response = await app.inject({
      method,
      url: `/api2/json${path}${method === 'GET' && body !== '' ? `?${body}` : ''}`,
      headers: {
        cookie: `PVEAuthCookie=${encodeURIComponent(signTicket(keys.ring, 'PVE', userid, T))}`,
        csrfpreventiontoken: csrfToken(keys.csrfSecret, userid, T),
        'content-type': 'application/x-www-form-urlencoded',
      },
      ...(method === 'GET' ? {} : { payload: body }),
    });
    return { status: response.statusCode, data: response.json<{ data: unknown }>().data };
  };

  it('records each change with actor, address, fields and outcome', async () => {
    const admin = 'admin@pve';
    const ok = async (...args: Parameters<typeof call>): Promise<unknown> => {
      const r = await call(...args);
      assert.equal(r.status, 200, JSON.stringify(r.data));
      return r.data;
    };
    await ok(admin, 'POST', '/access/users', {
      userid: 'bob@pve',
      password: 'bob-secret-password',
      email: 'bob@example.com',
    });
    await ok(admin, 'POST', '/access/users', {
      userid: 'carol@pve',
      password: 'carol-secret-password',
    });
    await ok(admin, 'POST', '/access/groups', { groupid: 'staff' });
    await ok(admin, 'PUT', '/access/users/bob@pve', { groups: 'staff' });
    await ok(admin, 'PUT', '/access/acl', { path: '/', roles: 'Administrator', users: 'bob@pve' });
    const token = (await ok(admin, 'POST', '/access/users/bob@pve/token/ci', {})) as {
      value: string;
    };
    tokenValue = token.value;
    await ok(admin, 'DELETE', '/access/users/bob@pve/token/ci');
    const refused = await call('carol@pve', 'POST', '/access/groups', { groupid: 'evil' });
    assert.equal(refused.status, 403);
    await ok(admin, 'POST', '/access/domains', {
      realm: 'corp',
      type: 'ldap',
      server1: 'ldap.example.com',
      base_dn: 'dc=example,dc=com',
      user_attr: 'uid',
      password: 'bind-secret-password',
      tfa: 'type=yubico,id=42,key=c2VjcmV0LXl1YmljbyBrZXk=',
    });
    await events.flush();

    const trail = (await ok(admin, 'GET', '/access/tessera/changes', {})) as ChangeEvent[];
    const summary = trail.map((e) => `${e.outcome} ${e.actor} ${e.action} ${e.entity} ${e.id}`);
    assert.deepEqual(summary, [
      'success admin@pve create user bob@pve',
      'success admin@pve create user carol@pve',
      'success admin@pve create group staff',
      'success admin@pve update user bob@pve',
      'success admin@pve update acl /',
      'success admin@pve create token bob@pve!ci',
      'success admin@pve delete token bob@pve!ci',
      'refused carol@pve create group evil',
      'success admin@pve create realm corp',
    ]);
    for (const e of trail) {
      assert.equal(e.node, 'node1');
      assert.equal(e.rhost, '127.0.0.1');
    }
    assert.deepEqual(trail[0]?.fields, {
      email: 'bob@example.com',
      password: '(set)',
    });
    assert.deepEqual(trail[4]?.fields, {
      path: '/',
      roles: ['Administrator'],
      users: ['bob@pve'],
      groups: [],
      tokens: [],
      propagate: true,
    });
    const [refusal, realm] = [trail[7], trail[8]];
    assert.ok(refusal && realm);
    assert.equal(refusal.cause, 'permission_denied');
    assert.equal(refusal.reason, '/access/groups, Group.Allocate');
    assert.equal(realm.fields['password'], '(set)');
    // The Yubico API key in the realm's `tfa` option is a secret too.
    assert.equal(realm.fields['tfa'], 'type=yubico,id=42,key=(set)');
    assert.ok(!JSON.stringify(trail).includes('c2VjcmV0LXl1YmljbyBrZXk'));

    // Who gave bob Administrator on /?
    const who = (await ok(admin, 'GET', '/access/tessera/changes', {
      userid: 'bob@pve',
      entity: 'acl',
    })) as ChangeEvent[];
    assert.deepEqual(
      who.map((e) => [e.actor, e.id, e.fields['roles']]),
      [['admin@pve', '/', ['Administrator']]],
    );
    // Auditors only.
    assert.equal((await call('carol@pve', 'GET', '/access/tessera/changes')).status, 403);
  });

  it('stores no secret in any event', async () => {
    const snapshot = await live.store.snapshot();
    const stored = [...snapshot.entries]
      .filter(([key]) => key.startsWith('events/'))
      .map(([, entry]) => entry.value)
      .join('\n');
    assert.ok(stored.includes('"kind":"change"'));
    for (const secret of [
      'bob-secret-password',
      'carol-secret-password',
      'bind-secret-password',
      tokenValue,
      '$argon2',
    ])
      assert.ok(!stored.includes(secret), `an event holds ${secret}`);
  });

  it('prints the trail on the command line', async () => {
    const json = await runCli(
      'changes',
      '--store',
      url,
      '--user',
      'bob@pve',
      '--output-format',
      'json',
    );
    assert.equal(json.status, 0, json.stderr);
    const listed = JSON.parse(json.stdout) as ChangeEvent[];
    assert.deepEqual(
      listed.map((e) => `${e.action} ${e.entity} ${e.id}`),
      [
        'create user bob@pve',
        'update user bob@pve',
        'update acl /',
        'create token bob@pve!ci',
        'delete token bob@pve!ci',
      ],
    );
    const text = await runCli('changes', '--store', url, '--entity', 'group');
    assert.equal(text.status, 0, text.stderr);
    assert.match(
      text.stdout,
      /SUCCESS {2}admin@pve from 127\.0\.0\.1 on node1: create group staff/,
    );
    assert.match(
      text.stdout,
      /REFUSED {2}carol@pve from 127\.0\.0\.1 on node1: create group evil\n {4}permission_denied: \/access\/groups, Group\.Allocate/,
    );
    const bad = await runCli('changes', '--store', url, '--entity', 'vm');
    assert.notEqual(bad.status, 0);
  });
});
