/**
 * Groups: the list with members, creating, changing the comment, deleting, and changing the
 * members from the group (GroupMembers.tsx: each member is a change of that user).
 */
import type { ReactNode } from 'react';
import { api, itemPath } from '../../api.js';
import { can } from '../../session.js';
import type { PageProps } from '../page.js';
import { EditButton, RowButton } from './buttons.js';
import { commentColumn } from './columns.js';
import { GroupMembers } from './GroupMembers.js';
import { DeleteRowButton, ListPageView, useListPage } from './list-page.js';
import type { GroupRow } from './resources.js';
import { SimpleForm, type SimpleResource } from './SimpleResource.js';

function membersOf(group: GroupRow): string[] {
  return (group.users ?? '').split(',').filter((u) => u !== '');
}

const GROUPS: SimpleResource<GroupRow> = {
  noun: 'group',
  path: '/access/groups',
  load: () => api<GroupRow[]>('GET', '/access/groups'),
  idName: 'groupid',
  idLabel: 'Group ID',
  idHint: "Letters, digits, '.', '-' and '_'.",
  idOf: (g) => g.groupid,
  caption: 'Groups',
  columns: [
    { key: 'groupid', title: 'Group', value: (g) => g.groupid },
    commentColumn(),
    { key: 'users', title: 'Members', value: (g) => membersOf(g).join(', ') },
  ],
  empty: 'No groups.',
  deleteQuestion: (id) => `Delete group ${id}? Its members stay; its ACL entries go.`,
};

type Open = GroupRow | 'new' | { readonly members: string };

export function AdminGroups({ session }: PageProps): ReactNode {
  // Proxmox: groups themselves take Group.Allocate; a member is a change of the user, which
  // takes User.Modify on the groups concerned (the server decides per user).
  const allocate = can(session, 'access', 'Group.Allocate');
  const modifyUsers = can(session, 'access', 'User.Modify');
  const page = useListPage<GroupRow, Open>(GROUPS.path, GROUPS.load);
  const current = (groupid: string): GroupRow | undefined =>
    page.list.data?.find((g) => g.groupid === groupid);

  const actions = (row: GroupRow): ReactNode => {
    const id = row.groupid;
    return (
      <>
        {allocate ? (
          <EditButton
            id={id}
            onClick={() => {
              page.start(row);
            }}
          />
        ) : null}
        {modifyUsers ? (
          <RowButton
            text="Members"
            name={`Members of ${id}`}
            onClick={() => {
              page.start({ members: id });
            }}
          />
        ) : null}
        {allocate ? (
          <DeleteRowButton
            page={page}
            kind="group"
            id={id}
            question={GROUPS.deleteQuestion(id)}
            shows={(open) =>
              open !== 'new' && ('members' in open ? open.members : open.groupid) === id
            }
            remove={() => api('DELETE', itemPath(GROUPS.path, id))}
          />
        ) : null}
      </>
    );
  };

  return (
    <ListPageView
      page={page}
      add={allocate ? { text: 'Add group', form: 'new' } : undefined}
      form={(open) =>
        open !== 'new' && 'members' in open ? (
          <GroupMembers
            key={open.members}
            groupid={open.members}
            members={membersOf(current(open.members) ?? { groupid: open.members })}
            onChanged={page.list.reload}
            onClose={page.cancel}
          />
        ) : (
          <SimpleForm
            key={open === 'new' ? '' : open.groupid}
            spec={GROUPS}
            row={open === 'new' ? undefined : open}
            onCancel={page.cancel}
            onDone={page.finish}
          />
        )
      }
      caption={GROUPS.caption}
      columns={GROUPS.columns}
      rowKey={GROUPS.idOf}
      actions={allocate || modifyUsers ? actions : undefined}
      empty={GROUPS.empty}
    />
  );
}
