/**
 * Issue 16, finding 5: `userid=dave@pve,zed@pve` was accepted, and after export and import
 * dave was a member of a group the API had refused to add him to. Ids with list separators
 * are refused at the API, with the field and the reason, and nothing is stored.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { csrfToken } from '../../src/auth/csrf.js';
import { serverKeys } from '../../src/auth/server-keys.js';
import { signTicket } from '../../src/auth/ticket.js';
import { buildApi } from '../../src/api/server.js';
import { parseGroupId } from '../../src/model/ids.js';
import { bootstrap } from '../../src/services/bootstrap.js';
import { liveContext } from '../../src/services/context.js';
import { createGroup } from '../../src/services/groups.js';
import { ensureServerKeys } from '../../src/services/server-keys.js';
import { LiveAccess } from '../../src/store/live.js';
import { MemoryStore } from '../../src/store/memory.js';

const T = Math.floor(Date.now() / 1000);

describe('ids with list separators over the API', () => {
  let live: LiveAccess;
  let app: FastifyInstance;

  before(async () => {
    live = await LiveAccess.open(new MemoryStore());
    const ctx = liveContext(live);
    await bootstrap(ctx);
    await ensureServerKeys(ctx, T - 100);
    await createGroup(ctx, parseGroupId('G'));
    app = await buildApi({ live, authFailureDelayMs: 0, throttle: false });
  });
  after(async () => {
    await app.close();
    await live.close();
  });

  async function post(path: string, params: Record<string, string>) {
    const keys = serverKeys(live.snapshot);
    assert.ok(keys);
    const response = await app.inject({
      method: 'POST',
      url: `/api2/json${path}`,
      headers: {
        cookie: `PVEAuthCookie=${encodeURIComponent(signTicket(keys.ring, 'PVE', 'root@pam', T))}`,
        csrfpreventiontoken: csrfToken(keys.csrfSecret, 'root@pam', T),
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: new URLSearchParams(params).toString(),
    });
    return {
      status: response.statusCode,
      body: JSON.parse(response.body) as { errors?: Record<string, string> },
    };
  }

  for (const userid of ['dave@pve,zed@pve', 'dave;zed@pve', '@G@pve']) {
    it(`refuses to create '${userid}'`, async () => {
      const before = live.snapshot.revision;
      const answer = await post('/access/users', { userid, groups: 'G' });
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
      assert.match(
        answer.body.errors?.['userid'] ?? '',
        /separates list items|marks a group in ACL member lists/,
      );
      assert.equal(live.snapshot.revision, before);
      assert.equal(live.snapshot.users.groups.get(parseGroupId('G'))?.members.size, 0);
    });
  }

  it('refuses a token of such a user', async () => {
    const answer = await post(`/access/users/${encodeURIComponent('a,b@pve')}/token/ci`, {});
    assert.equal(answer.status, 400, JSON.stringify(answer.body));
    assert.match(answer.body.errors?.['userid'] ?? '', /contains ','/);
  });
});
