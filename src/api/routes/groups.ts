/** `/access/groups`: groups and their members. */
import { rejected } from '../../errors.js';
import { parseGroupId } from '../../model/ids.js';
import { createGroup, deleteGroup, mayAllocateGroups, updateGroup } from '../../services/groups.js';
import type { Api } from '../app.js';
import { parseChecked } from '../params.js';

export function groupRoutes(api: Api): void {
  api.route('GET', '/access/groups', {}, ({ snapshot, checks }) =>
    [...snapshot.users.groups.values()]
      .filter((g) =>
        (['User.Modify', 'Sys.Audit', 'Group.Allocate'] as const).some((p) =>
          checks.has(`/access/groups/${g.groupid}`, p),
        ),
      )
      .sort((a, b) => a.groupid.localeCompare(b.groupid))
      .map((g) => ({
        groupid: g.groupid,
        ...(g.comment !== undefined ? { comment: g.comment } : {}),
        users: [...g.members].sort().join(','),
      })),
  );

  api.route(
    'POST',
    '/access/groups',
    { groupid: { type: 'string' }, comment: { type: 'string', optional: true, maxLength: 2048 } },
    async ({ params, checks, services }) => {
      const groupid = parseChecked(
        () => parseGroupId(params.groupid),
        () => {
          mayAllocateGroups(checks);
        },
      );
      await createGroup(services, groupid, {
        ...(params.comment !== undefined ? { comment: params.comment } : {}),
      });
      return null;
    },
  );

  api.route(
    'GET',
    '/access/groups/:groupid',
    { groupid: { type: 'string' } },
    ({ params, snapshot, checks }) => {
      checks.perm('/access/groups', ['Sys.Audit', 'Group.Allocate'], true);
      const group = snapshot.users.groups.get(parseGroupId(params.groupid));
      if (!group) throw rejected(`group '${params.groupid}' does not exist`);
      return {
        ...(group.comment !== undefined ? { comment: group.comment } : {}),
        members: [...group.members].sort(),
      };
    },
  );

  api.route(
    'PUT',
    '/access/groups/:groupid',
    { groupid: { type: 'string' }, comment: { type: 'string', optional: true, maxLength: 2048 } },
    async ({ params, checks, services }) => {
      const groupid = parseChecked(
        () => parseGroupId(params.groupid),
        () => {
          mayAllocateGroups(checks);
        },
      );
      await updateGroup(services, groupid, {
        ...(params.comment !== undefined ? { comment: params.comment } : {}),
      });
      return null;
    },
  );

  api.route(
    'DELETE',
    '/access/groups/:groupid',
    { groupid: { type: 'string' } },
    async ({ params, checks, services }) => {
      const groupid = parseChecked(
        () => parseGroupId(params.groupid),
        () => {
          mayAllocateGroups(checks);
        },
      );
      await deleteGroup(services, groupid);
      return null;
    },
  );
}
