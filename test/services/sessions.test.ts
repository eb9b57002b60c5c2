/**
 * "Log out everywhere" as a service: who may revoke whose sessions, what is stored, and that
 * revocations no ticket can be affected by any more are cleared out by later ones.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sessionRevoked, ticketTime } from '../../src/auth/sessions.js';
import { CLOCK_SKEW, TICKET_LIFETIME } from '../../src/auth/ticket.js';
import { isTesseraError } from '../../src/errors.js';
import { parseAclPath } from '../../src/model/acl-path.js';
import {
  parseGroupId,
  parseRoleId,
  parseUserId,
  ROOT_USERID,
  type UserId,
} from '../../src/model/ids.js';
import { modifyAcl } from '../../src/services/acl.js';
import { bootstrap } from '../../src/services/bootstrap.js';
import { actingAs, liveContext, type ServiceContext } from '../../src/services/context.js';
import { createGroup } from '../../src/services/groups.js';
import { logoutEverywhere } from '../../src/services/sessions.js';
import { createUser } from '../../src/services/users.js';
import { LiveAccess } from '../../src/store/live.js';
import { MemoryStore } from '../../src/store/memory.js';

const T = 1_800_000_000;

describe('log out everywhere (service)', () => {
  let live: LiveAccess;
  let clock = T;
  let node: ServiceContext;
  const amy = parseUserId('amy@pve');
  const ben = parseUserId('ben@pve');
  const cid = parseUserId('cid@pve');
  const as = (userid: UserId): ServiceContext =>
    actingAs(node, { authid: userid, userid, address: '192.0.2.1' });
  const code = async (run: Promise<unknown>): Promise<string> => {
    try {
      await run;
      return 'ok';
    } catch (err) {
      return isTesseraError(err) ? err.code : String(err);
    }
  };

  before(async () => {
    live = await LiveAccess.open(new MemoryStore());
    node = liveContext(live, { now: () => clock });
    await bootstrap(node);
    await createGroup(node, parseGroupId('staff'));
    for (const userid of [amy, ben, cid])
      await createUser(node, { userid, groups: userid === cid ? [] : [parseGroupId('staff')] });
    // amy administers the staff group's users; ben is in it, cid is not.
    await modifyAcl(node, {
      path: parseAclPath('/access/groups/staff'),
      roles: [parseRoleId('PVEUserAdmin')],
      users: [amy],
    });
  });
  after(() => live.close());

  it('lets a user log out themself, and others only with User.Modify on them', async () => {
    assert.equal(await code(logoutEverywhere(as(ben), ben)), 'ok');
    assert.equal(live.snapshot.sessions.get(ben), T + 1);
    assert.equal(await code(logoutEverywhere(as(ben), amy)), 'permission_denied');
    assert.equal(await code(logoutEverywhere(as(amy), ben)), 'ok');
    assert.equal(await code(logoutEverywhere(as(amy), cid)), 'permission_denied');
    assert.equal(await code(logoutEverywhere(as(amy), ROOT_USERID)), 'permission_denied');
    assert.equal(await code(logoutEverywhere(node, parseUserId('ghost@pve'))), 'rejected');
    assert.equal(live.snapshot.sessions.has(cid), false);
  });

  it('refuses tickets of the revocation second and dates new ones after it', () => {
    assert.ok(sessionRevoked(live.snapshot, ben, T));
    assert.equal(ticketTime(live.snapshot, ben, T), T + 1);
    assert.ok(!sessionRevoked(live.snapshot, ben, ticketTime(live.snapshot, ben, T)));
    assert.equal(ticketTime(live.snapshot, ben, T + 5), T + 5);
    assert.ok(!sessionRevoked(live.snapshot, cid, 0));
  });

  it('clears revocations that no ticket can be affected by any more', async () => {
    clock = T + TICKET_LIFETIME + CLOCK_SKEW + 10;
    await logoutEverywhere(node, cid);
    assert.deepEqual([...live.snapshot.sessions.keys()], [cid]);
  });
});
