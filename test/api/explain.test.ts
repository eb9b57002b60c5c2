/**
 * `GET /access/tessera/explain`: the deciding ACL entry in words, for auditors and for a
 * caller asking about itself; others are refused.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildApi } from '../../src/api/server.js';
import { csrfToken } from '../../src/auth/csrf.js';
import { serverKeys } from '../../src/auth/server-keys.js';
import { ensureServerKeys } from '../../src/services/server-keys.js';
import { signTicket } from '../../src/auth/ticket.js';
import { parseAclPath } from '../../src/model/acl-path.js';
import { parseRoleId, parseUserId } from '../../src/model/ids.js';
import { modifyAcl } from '../../src/services/acl.js';
import { bootstrap } from '../../src/services/bootstrap.js';
import { liveContext } from '../../src/services/context.js';
import { createUser } from '../../src/services/users.js';
import { LiveAccess } from '../../src/store/live.js';
import { MemoryStore } from '../../src/store/memory.js';

const NOW = 1_800_000_000;

describe('explain over the API', () => {
  it('explains a grant to an auditor and to the user, and refuses others', async () => {
    const live = await LiveAccess.open(new MemoryStore());
    const ctx = liveContext(live);
    await bootstrap(ctx);
    await ensureServerKeys(ctx, NOW - 10);
    for (const name of ['alice@pve', 'bob@pve'])
      await createUser(ctx, { userid: parseUserId(name) });
    await modifyAcl(ctx, {
      path: parseAclPath('/vms'),
      roles: [parseRoleId('PVEVMUser')],
      users: [parseUserId('alice@pve')],
    });
    const app = await buildApi({ live, now: () => NOW, authFailureDelayMs: 0, throttle: false });
    const keys = serverKeys(live.snapshot);
    assert.ok(keys);
    const ask = (as: string, query: string) =>
      app.inject({
        method: 'GET',
        url: `/api2/json/access/tessera/explain?${query}`,
        headers: {
          cookie: `PVEAuthCookie=${encodeURIComponent(signTicket(keys.ring, 'PVE', as, NOW))}`,
          csrfpreventiontoken: csrfToken(keys.csrfSecret, as, NOW),
        },
      });
    const root = await ask('root@pam', 'authid=alice@pve&path=/vms/100&privilege=VM.PowerMgmt');
    assert.equal(root.statusCode, 200, root.body);
    const data = (JSON.parse(root.body) as { data: { granted: boolean; text: string } }).data;
    assert.equal(data.granted, true);
    assert.match(data.text, /GRANTED/);
    assert.match(data.text, /acl:1:\/vms:alice@pve:PVEVMUser/);
    const self = await ask('alice@pve', 'authid=alice@pve&path=/vms/100&privilege=VM.Allocate');
    assert.equal(self.statusCode, 200);
    assert.equal((JSON.parse(self.body) as { data: { granted: boolean } }).data.granted, false);
    assert.equal(
      (await ask('bob@pve', 'authid=alice@pve&path=/vms&privilege=VM.Audit')).statusCode,
      403,
    );
    const bad = await ask('root@pam', 'authid=alice@pve&path=/vms&privilege=VM.Nope');
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /privilege/);
    // The hardening audit over the API: auditors only.
    const findings = await app.inject({
      method: 'GET',
      url: '/api2/json/access/tessera/audit',
      headers: {
        cookie: `PVEAuthCookie=${encodeURIComponent(signTicket(keys.ring, 'PVE', 'root@pam', NOW))}`,
      },
    });
    assert.equal(findings.statusCode, 200, findings.body);
    const ids = (JSON.parse(findings.body) as { data: { id: string }[] }).data.map((f) => f.id);
    assert.ok(ids.includes('root_without_tfa'), ids.join(', '));
    assert.ok(ids.includes('admin_without_tfa'), ids.join(', '));
    const refused = await app.inject({
      method: 'GET',
      url: '/api2/json/access/tessera/audit',
      headers: {
        cookie: `PVEAuthCookie=${encodeURIComponent(signTicket(keys.ring, 'PVE', 'bob@pve', NOW))}`,
      },
    });
    assert.equal(refused.statusCode, 403);
    await app.close();
    await live.close();
  });
});
