/**
 * `GET /access/permissions` answers are kept per configuration and caller: every question
 * (one path, an empty path, every path, of the caller or of its token) gets its own answer,
 * asked in any order, and a change of the ACL is seen at once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/server.js';
import { serverKeys } from '../../src/auth/server-keys.js';
import { signTicket } from '../../src/auth/ticket.js';
import { parseAclPath } from '../../src/model/acl-path.js';
import { parseRoleId, parseTokenName, parseUserId } from '../../src/model/ids.js';
import { engineFor } from '../../src/permissions/current.js';
import { permissionsFor } from '../../src/permissions/effective.js';
import { modifyAcl } from '../../src/services/acl.js';
import { bootstrap } from '../../src/services/bootstrap.js';
import { liveContext } from '../../src/services/context.js';
import { ensureServerKeys } from '../../src/services/server-keys.js';
import { createToken } from '../../src/services/tokens.js';
import { createUser } from '../../src/services/users.js';
import { LiveAccess } from '../../src/store/live.js';
import { MemoryStore } from '../../src/store/memory.js';

const T = Math.floor(Date.now() / 1000);
const bob = parseUserId('bob@pve');

describe('GET /access/permissions', () => {
  let live: LiveAccess;
  let app: FastifyInstance;
  let cookie = '';

  before(async () => {
    live = await LiveAccess.open(new MemoryStore());
    const ctx = liveContext(live);
    await bootstrap(ctx);
    await ensureServerKeys(ctx, T - 100);
    await createUser(ctx, { userid: bob });
    await createUser(ctx, { userid: parseUserId('carol@pve') });
    await modifyAcl(ctx, {
      path: parseAclPath('/vms'),
      roles: [parseRoleId('PVEVMAdmin')],
      users: [bob],
    });
    await createToken(ctx, bob, parseTokenName('mon'), { privsep: true });
    const keys = serverKeys(live.snapshot);
    assert.ok(keys);
    cookie = `PVEAuthCookie=${encodeURIComponent(signTicket(keys.ring, 'PVE', bob, T))}`;
    app = await buildApi({ live, authFailureDelayMs: 0, throttle: false });
  });
  after(async () => {
    await app.close();
    await live.close();
  });

  const ask = async (query: Record<string, string>) => {
    const response = await app.inject({
      method: 'GET',
      url: `/api2/json/access/permissions?${new URLSearchParams(query).toString()}`,
      headers: { cookie },
    });
    return { status: response.statusCode, body: JSON.parse(response.body) as unknown };
  };
  const expected = (query: { userid?: string; path?: string }) => {
    try {
      return { status: 200, body: { data: permissionsFor(engineFor(live), bob, query) } };
    } catch {
      return undefined;
    }
  };

  const questions: Record<string, string>[] = [
    { path: '/vms/100' },
    {},
    { path: '' },
    { path: '/' },
    { userid: 'bob@pve!mon' },
    { userid: 'bob@pve!mon', path: '/vms/100' },
    { userid: 'bob@pve', path: '/vms/100' },
    { userid: 'bob@pve' },
  ];

  it('answers each question as the engine does, whatever was asked before', async () => {
    for (const order of [questions, [...questions].reverse(), questions]) {
      for (const query of order) {
        const want = expected(query);
        const got = await ask(query);
        if (want) assert.deepEqual(got, want, JSON.stringify(query));
        else assert.notEqual(got.status, 200, JSON.stringify(query));
      }
    }
  });

  it('refuses another user to a caller without Sys.Audit, every time', async () => {
    for (let i = 0; i < 2; i++) {
      const got = await ask({ userid: 'carol@pve', path: '/vms/100' });
      assert.equal(got.status, 403);
    }
  });

  it('follows a change of the ACL at once', async () => {
    const before = await ask({ path: '/storage' });
    assert.deepEqual(before.body, { data: { '/storage': {} } });
    await modifyAcl(liveContext(live), {
      path: parseAclPath('/storage'),
      roles: [parseRoleId('PVEDatastoreUser')],
      users: [bob],
    });
    const afterChange = await ask({ path: '/storage' });
    assert.deepEqual(afterChange, expected({ path: '/storage' }));
    assert.notDeepEqual(afterChange.body, before.body);
  });
});
