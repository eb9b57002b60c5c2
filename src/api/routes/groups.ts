/** `/access/groups`: groups and their members. */
import { rejected } from '../../errors.js';
import { parseGroupId } from '../../model/ids.js';
import { createGroup, deleteGroup, mayAllocateGroups, updateGroup } from '../../services/groups.js';
import type { OperationRegistry } from '../operation.js';
import { formatChecked, parseChecked } from '../params.js';
import { GROUP_LIST } from './returns.js';
import { COMMENT_DOC, GROUPID_DOC } from './param-docs.js';
import { compareCodePoints } from '../../model/compare.js';

const GROUPID = { type: 'string', ...GROUPID_DOC } as const;

export function groupOperations(api: OperationRegistry): void {
  api.operation(
    'GET',
    '/access/groups',
    {},
    ({ snapshot, checks }) =>
      [...snapshot.users.groups.values()]
        .filter((g) =>
          (['User.Modify', 'Sys.Audit', 'Group.Allocate'] as const).some((p) =>
            checks.has(`/access/groups/${g.groupid}`, p),
          ),
        )
        .sort((a, b) => compareCodePoints(a.groupid, b.groupid))
        .map((g) => ({
          groupid: g.groupid,
          ...(g.comment !== undefined ? { comment: g.comment } : {}),
          users: [...g.members].sort().join(','),
        })),
    { name: 'index', description: 'Lists the groups.', returns: GROUP_LIST },
  );

  api.operation(
    'POST',
    '/access/groups',
    {
      groupid: GROUPID,
      comment: { type: 'string', optional: true, maxLength: 2048, ...COMMENT_DOC },
    },
    async ({ params, checks, services }) => {
      const groupid = parseChecked(
        () => formatChecked(() => parseGroupId(params.groupid)),
        () => {
          mayAllocateGroups(checks);
        },
      );
      await createGroup(services, groupid, {
        ...(params.comment !== undefined ? { comment: params.comment } : {}),
      });
      return null;
    },
    { name: 'create_group', description: 'Creates a group.' },
  );

  api.operation(
    'GET',
    '/access/groups/:groupid',
    { groupid: GROUPID },
    ({ params, snapshot, checks }) => {
      checks.perm('/access/groups', ['Sys.Audit', 'Group.Allocate'], true);
      const group = snapshot.users.groups.get(parseGroupId(params.groupid));
      if (!group) throw rejected(`group '${params.groupid}' does not exist`);
      return {
        ...(group.comment !== undefined ? { comment: group.comment } : {}),
        members: [...group.members].sort(),
      };
    },
    { name: 'read_group', description: 'Shows a group and its members.' },
  );

  api.operation(
    'PUT',
    '/access/groups/:groupid',
    {
      groupid: GROUPID,
      comment: { type: 'string', optional: true, maxLength: 2048, ...COMMENT_DOC },
    },
    async ({ params, checks, services }) => {
      const groupid = parseChecked(
        () => formatChecked(() => parseGroupId(params.groupid)),
        () => {
          mayAllocateGroups(checks);
        },
      );
      await updateGroup(services, groupid, {
        ...(params.comment !== undefined ? { comment: params.comment } : {}),
      });
      return null;
    },
    { name: 'update_group', description: 'Changes a group.' },
  );

  api.operation(
    'DELETE',
    '/access/groups/:groupid',
    { groupid: GROUPID },
    async ({ params, checks, services }) => {
      const groupid = parseChecked(
        () => formatChecked(() => parseGroupId(params.groupid)),
        () => {
          mayAllocateGroups(checks);
        },
      );
      await deleteGroup(services, groupid);
      return null;
    },
    { name: 'delete_group', description: 'Deletes a group.' },
  );
}
