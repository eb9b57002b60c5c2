/**
 * Groups. Memberships are kept on the group, as in user.cfg; deleting a group removes its
 * memberships with it and its ACL entries, as Proxmox does.
 */
import type { GroupId } from '../model/ids.js';
import type { Group } from '../model/user-config.js';
import { PermissionEngine } from '../permissions/engine.js';
import { encodeGroup, KEYS } from '../store/codec.js';
import type { AccessSnapshot } from '../store/snapshot.js';
import { removeMembersFromAcl } from './acl.js';
import { draft } from './audit.js';
import { authorize, type Authorization } from './authorize.js';
import { audited, commit, refuse, type ServiceContext } from './context.js';
import { text } from './fields.js';

function requireGroup(snapshot: AccessSnapshot, groupid: GroupId): Group {
  const group = snapshot.users.groups.get(groupid);
  if (!group) throw refuse(`group '${groupid}' does not exist`, 'groupid');
  return group;
}

/** Creating, changing and deleting groups takes `Group.Allocate` on /access/groups. */
export function mayAllocateGroups(auth: Authorization): void {
  auth.perm('/access/groups', ['Group.Allocate']);
}

export async function createGroup(
  ctx: ServiceContext,
  groupid: GroupId,
  input: { readonly comment?: string } = {},
): Promise<void> {
  const change = draft('group', groupid, 'create', { comment: input.comment });
  return audited(ctx, change, async () => {
    mayAllocateGroups(await authorize(ctx));
    const comment = text('comment', input.comment, 2048);
    return commit(
      ctx,
      'create group failed',
      (changes) => {
        if (changes.snapshot.users.groups.has(groupid))
          throw refuse(`group '${groupid}' already exists`, 'groupid');
        const group: Group = {
          groupid,
          members: new Set(),
          ...(comment !== undefined ? { comment } : {}),
        };
        changes.put(KEYS.group(groupid), encodeGroup(group));
      },
      change,
    );
  });
}

export async function updateGroup(
  ctx: ServiceContext,
  groupid: GroupId,
  input: { readonly comment?: string },
): Promise<void> {
  const change = draft('group', groupid, 'update', { comment: input.comment });
  return audited(ctx, change, async () => {
    mayAllocateGroups(await authorize(ctx));
    const comment = text('comment', input.comment, 2048);
    return commit(
      ctx,
      'update group failed',
      (changes) => {
        const group = requireGroup(changes.snapshot, groupid);
        const updated: Group = {
          groupid,
          members: group.members,
          ...(comment !== undefined ? { comment } : {}),
        };
        changes.put(KEYS.group(groupid), encodeGroup(updated));
      },
      change,
    );
  });
}

/**
 * A group's entries can restrict its members (NoAccess, or a lesser role below a greater
 * one); deleting it must not give a member a privilege the actor lacks
 * (docs/compatibility.md).
 */
function mayDissolve(auth: Authorization, groupid: GroupId): void {
  const config = auth.snapshot.users;
  const group = config.groups.get(groupid);
  if (auth.isRoot || !group || group.members.size === 0) return;
  const groups = new Map(config.groups);
  groups.delete(groupid);
  const acl = new Map(
    [...config.acl].map(([path, node]) => {
      const without = new Map(node.groups);
      without.delete(groupid);
      return [path, { ...node, groups: without }];
    }),
  );
  auth.gainsOnlyHeld(group.members, PermissionEngine.compile({ ...config, groups, acl }));
}

export async function deleteGroup(ctx: ServiceContext, groupid: GroupId): Promise<void> {
  const change = draft('group', groupid, 'delete');
  return audited(ctx, change, async () => {
    const auth = await authorize(ctx);
    mayAllocateGroups(auth);
    mayDissolve(auth, groupid);
    return commit(
      ctx,
      'delete group failed',
      (changes) => {
        requireGroup(changes.snapshot, groupid);
        changes.delete(KEYS.group(groupid));
        removeMembersFromAcl(changes, { groups: [groupid] });
      },
      change,
    );
  });
}
