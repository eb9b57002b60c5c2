/** Groups: the list with members, creating, changing the comment, deleting. */
import type { ReactNode } from 'react';
import { api } from '../../api.js';
import { can } from '../../session.js';
import type { PageProps } from '../page.js';
import { commentColumn } from './columns.js';
import type { GroupRow } from './resources.js';
import { SimpleResourcePage, type SimpleResource } from './SimpleResource.js';

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
    {
      key: 'users',
      title: 'Members',
      value: (g) =>
        (g.users ?? '')
          .split(',')
          .filter((u) => u !== '')
          .join(', '),
    },
  ],
  empty: 'No groups.',
  deleteQuestion: (id) => `Delete group ${id}? Its members stay; its ACL entries go.`,
};

export function AdminGroups({ session }: PageProps): ReactNode {
  return (
    <SimpleResourcePage spec={GROUPS} modify={can(session, 'access', 'Group.Allocate')}>
      <p className="hint">Members are added on the Users page (each user&apos;s groups).</p>
    </SimpleResourcePage>
  );
}
