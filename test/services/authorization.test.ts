/**
 * The services decide every change for their actor, with Proxmox's rules and messages, and
 * audit it: accepted changes in their own transaction, refused ones through the sink.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { ChangeEvent } from '../../src/model/events.js';
import { readChanges } from '../../src/diagnostics/events.js';
import { parseAclPath } from '../../src/model/acl-path.js';
import {
  parseGroupId,
  parseRoleId,
  parseTokenName,
  parseUserId,
  type UserId,
} from '../../src/model/ids.js';
import { modifyAcl } from '../../src/services/acl.js';
import type { Actor } from '../../src/services/actor.js';
import { actingAs, storeContext, type ServiceContext } from '../../src/services/context.js';
import { createGroup } from '../../src/services/groups.js';
import { createToken } from '../../src/services/tokens.js';
import { createUser, deleteUser, updateUser } from '../../src/services/users.js';
import { MemoryStore } from '../../src/store/memory.js';

const actor = (userid: string): Actor => ({
  authid: parseUserId(userid),
  userid: parseUserId(userid),
  address: '192.0.2.7',
});

async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (err) {
    const e = err as { code: string; publicMessage: string };
    return { code: e.code, message: e.publicMessage };
  }
  return assert.fail('expected a refusal');
}

describe('authorization in the services', () => {
  const store = new MemoryStore();
  const refused: ChangeEvent[] = [];
  let root: ServiceContext;
  const staff = parseGroupId('staff');
  const [alice, bob, dave]: UserId[] = ['alice@pve', 'bob@pve', 'dave@pve'].map((u) =>
    parseUserId(u),
  ) as [UserId, UserId, UserId];

  before(async () => {
    root = storeContext(store, { node: 'n1', audit: { record: (e) => void refused.push(e) } });
    await createGroup(root, staff);
    for (const userid of [alice, bob, dave]) await createUser(root, { userid });
    await updateUser(root, bob, { groups: [staff] });
    // alice administers the users of group staff only.
    await modifyAcl(root, {
      path: parseAclPath(`/access/groups/${staff}`),
      roles: [parseRoleId('PVEUserAdmin')],
      users: [alice],
    });
    await modifyAcl(root, {
      path: parseAclPath('/vms'),
      roles: [parseRoleId('PVEVMUser')],
      users: [alice],
    });
  });

  it('lets a delegated user administrator change the users of its group only', async () => {
    const ctx = actingAs(root, actor(alice));
    // As in the routes: an update through groups names the groups, all of them alice's.
    await updateUser(ctx, bob, { comment: 'changed by alice', groups: [staff] });
    assert.deepEqual(await refusal(updateUser(ctx, dave, { comment: 'no', groups: [staff] })), {
      code: 'permission_denied',
      message: 'Permission check failed (/access/groups, User.Modify)',
    });
    // Moving bob into a group alice does not administer is refused too.
    await createGroup(root, parseGroupId('admins'));
    assert.equal(
      (await refusal(updateUser(ctx, bob, { groups: [parseGroupId('admins')] }))).code,
      'permission_denied',
    );
    // Deleting needs Realm.AllocateUser on the realm as well.
    assert.deepEqual(await refusal(deleteUser(ctx, bob)), {
      code: 'permission_denied',
      message: 'Permission check failed (/access/realm/pve, Realm.AllocateUser)',
    });
    // Tokens: the owner or User.Modify through groups; dave is neither's.
    await createToken(ctx, bob, parseTokenName('ci'));
    assert.deepEqual(await refusal(createToken(ctx, dave, parseTokenName('ci'))), {
      code: 'permission_denied',
      message: 'Permission check failed',
    });
  });

  it('lets a user without Permissions.Modify hand out only roles it holds', async () => {
    const ctx = actingAs(root, actor(alice));
    const grant = (role: string): Promise<void> =>
      modifyAcl(ctx, {
        path: parseAclPath('/vms/100'),
        roles: [parseRoleId(role)],
        users: [bob],
      });
    assert.deepEqual(await refusal(grant('PVEVMUser')), {
      code: 'permission_denied',
      message: 'Permission check failed (/vms/100, Permissions.Modify|VM.Allocate)',
    });
  });

  it('root@pam passes every check, and accepted changes carry their event', async () => {
    await modifyAcl(root, {
      path: parseAclPath('/'),
      roles: [parseRoleId('Administrator')],
      users: [bob],
    });
    const events = await readChanges(store, { entity: 'acl', id: '/' });
    const last = events.at(-1);
    assert.ok(last);
    assert.equal(last.actor, 'root@pam');
    assert.equal(last.rhost, 'cli');
    assert.equal(last.node, 'n1');
    assert.equal(last.outcome, 'success');
    assert.deepEqual(last.fields, {
      path: '/',
      roles: ['Administrator'],
      users: [bob],
      propagate: true,
    });
  });

  it('records refusals through the sink with their cause, and nothing in the store', async () => {
    const before = (await store.snapshot()).revision;
    const count = refused.length;
    await refusal(updateUser(actingAs(root, actor(dave)), alice, { email: 'x@example.com' }));
    assert.equal((await store.snapshot()).revision, before);
    const event = refused[count];
    assert.ok(event);
    assert.equal(event.outcome, 'refused');
    assert.equal(event.actor, dave);
    assert.equal(event.rhost, '192.0.2.7');
    assert.equal(event.cause, 'permission_denied');
    assert.deepEqual(event.fields, { email: 'x@example.com' });
    // Invalid input is refused as well.
    await refusal(updateUser(root, alice, { email: 'not an address' }));
    assert.equal(refused.at(-1)?.cause, 'invalid_value');
  });
});
