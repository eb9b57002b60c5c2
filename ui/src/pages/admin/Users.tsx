/**
 * Users: the list (`GET /access/users?full=1`), creating and editing users with their groups,
 * setting a password, enabling and disabling, unlocking a TFA lockout, logging out
 * everywhere, deleting; `#/admin/users/<userid>` shows one user (UserDetail).
 */
import type { ReactNode } from 'react';
import { api, itemPath } from '../../api.js';
import type { Column } from '../../components/Table.js';
import { can } from '../../session.js';
import type { PageProps } from '../page.js';
import { ConfirmButton, EditButton, RowButton } from './buttons.js';
import { expireColumn } from './columns.js';
import { yesNo } from './format.js';
import { DeleteRowButton, ListPageView, useListPage } from './list-page.js';
import { useLoad } from './load.js';
import { groupsOf, loadUsers, type GroupRow, type RealmRow, type UserRow } from './resources.js';
import { UserForm } from './UserForm.js';
import { useRoute } from '../../router.js';
import { maySetPassword, SetPassword } from './SetPassword.js';
import { UserDetail, userRoute } from './UserDetail.js';
import { realmOf } from './userid.js';

function realmType(user: UserRow): string {
  return user['realm-type'] ?? realmOf(user.userid);
}

function tfaLock(user: UserRow): string {
  const parts: string[] = [];
  if (user['totp-locked'] === 1) parts.push('TOTP locked');
  const until = user['tfa-locked-until'];
  if (until !== undefined && until * 1000 > Date.now())
    parts.push(`locked until ${new Date(until * 1000).toLocaleString()}`);
  return parts.length > 0 ? parts.join(', ') : 'No';
}

const COLUMNS: readonly Column<UserRow>[] = [
  {
    key: 'userid',
    title: 'User ID',
    value: (u) => u.userid,
    render: (u) => <a href={`#${userRoute(u.userid)}`}>{u.userid}</a>,
  },
  {
    key: 'name',
    title: 'Name',
    value: (u) => `${u.firstname ?? ''} ${u.lastname ?? ''}`.trim(),
  },
  { key: 'email', title: 'Email', value: (u) => u.email ?? '' },
  {
    key: 'realm',
    title: 'Realm',
    value: (u) =>
      `${realmOf(u.userid)}${u['realm-type'] !== undefined && u['realm-type'] !== realmOf(u.userid) ? ` (${u['realm-type']})` : ''}`,
  },
  { key: 'enable', title: 'Enabled', value: (u) => yesNo(u.enable !== 0) },
  expireColumn(),
  { key: 'groups', title: 'Groups', value: (u) => groupsOf(u).join(', ') },
  { key: 'tfa', title: 'TFA locked', value: tfaLock },
];

type Editing = { readonly mode: 'create' } | { readonly mode: 'edit'; readonly user: UserRow };

const DETAIL = '/admin/users/';

export function AdminUsers(props: PageProps): ReactNode {
  const route = useRoute();
  if (route.startsWith(DETAIL)) {
    const userid = decoded(route.slice(DETAIL.length));
    if (userid !== undefined)
      return <UserDetail key={userid} session={props.session} userid={userid} />;
  }
  return <UserList {...props} />;
}

function decoded(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

function UserList({ session }: PageProps): ReactNode {
  const page = useListPage<UserRow, Editing>('users', loadUsers);
  const groups = useLoad('groups', () =>
    api<GroupRow[]>('GET', '/access/groups').catch(() => [] as GroupRow[]),
  );
  const realms = useLoad('realms', () => api<RealmRow[]>('GET', '/access/domains'));
  const modify = can(session, 'access', 'User.Modify');

  const actions = (u: UserRow): ReactNode => (
    <>
      <EditButton
        id={u.userid}
        onClick={() => {
          page.start({ mode: 'edit', user: u });
        }}
      />
      <RowButton
        text={u.enable === 0 ? 'Enable' : 'Disable'}
        name={`${u.enable === 0 ? 'Enable' : 'Disable'} ${u.userid}`}
        disabled={page.busy || u.userid === session.username}
        onClick={() => {
          const enable = u.enable === 0;
          page.act(`${u.userid} ${enable ? 'enabled' : 'disabled'}.`, () =>
            api('PUT', itemPath('/access/users', u.userid), { enable }),
          );
        }}
      />
      {tfaLock(u) !== 'No' ? (
        <RowButton
          text="Unlock TFA"
          name={`Unlock TFA of ${u.userid}`}
          disabled={page.busy}
          onClick={() => {
            page.act(`Second factors of ${u.userid} unlocked.`, () =>
              api('PUT', `${itemPath('/access/users', u.userid)}/unlock-tfa`),
            );
          }}
        />
      ) : null}
      <ConfirmButton
        text="Log out everywhere"
        name={`Log out ${u.userid} everywhere`}
        question={`End every session of ${u.userid}? Tickets issued so far stop working on every node; API tokens are not affected.`}
        confirm="Log out everywhere"
        disabled={page.busy || u.userid === session.username}
        onConfirm={() => {
          page.act(`${u.userid} logged out everywhere.`, () =>
            api('POST', '/access/tessera/logout', { userid: u.userid }),
          );
        }}
      />
      <DeleteRowButton
        page={page}
        kind="user"
        id={u.userid}
        question={`Delete user ${u.userid}, with its API tokens, second factors and ACL entries?`}
        disabled={u.userid === session.username}
        shows={(open) => open.mode === 'edit' && open.user.userid === u.userid}
        remove={() => api('DELETE', itemPath('/access/users', u.userid))}
      />
    </>
  );

  return (
    <ListPageView
      page={page}
      add={modify ? { text: 'Add user', form: { mode: 'create' } } : undefined}
      form={(editing) => (
        <UserForm
          key={editing.mode === 'edit' ? editing.user.userid : ''}
          user={editing.mode === 'edit' ? editing.user : undefined}
          groups={(groups.data ?? []).map((g) => g.groupid)}
          realms={realms.data ?? []}
          after={
            editing.mode === 'edit' &&
            maySetPassword(session, editing.user.userid, realmType(editing.user)) ? (
              <SetPassword session={session} userid={editing.user.userid} />
            ) : undefined
          }
          onCancel={page.cancel}
          onDone={(text) => {
            page.finish(text);
            groups.reload();
          }}
        />
      )}
      caption="Users"
      columns={COLUMNS}
      rowKey={(u) => u.userid}
      actions={modify ? actions : undefined}
      empty="No users."
    />
  );
}
