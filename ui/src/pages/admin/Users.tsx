/**
 * Users: the list (`GET /access/users?full=1`), creating and editing users with their groups,
 * enabling and disabling, unlocking a TFA lockout, deleting.
 */
import { useState, type ReactNode } from 'react';
import { api, ApiError, fieldError, itemPath, type Params } from '../../api.js';
import { Checkbox, CheckList, Input, useSubmit } from '../../components/Form.js';
import type { Column } from '../../components/Table.js';
import { can } from '../../session.js';
import type { PageProps } from '../page.js';
import { EditButton, RowButton } from './buttons.js';
import { expireColumn } from './columns.js';
import { CommentInput, ExpiryInput } from './fields.js';
import { dateOfEpoch, epochOfDate, yesNo } from './format.js';
import { addOrEdit, FormPanel, type FormEvents } from './FormPanel.js';
import { DeleteRowButton, ListPageView, useListPage } from './list-page.js';
import { useLoad } from './load.js';
import { loadUsers, type GroupRow, type RealmRow, type UserRow } from './resources.js';
import { realmOf, userIdProblem } from './userid.js';

function groupsOf(user: UserRow): string[] {
  return (user.groups ?? '').split(',').filter((g) => g !== '');
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
  { key: 'userid', title: 'User ID', value: (u) => u.userid },
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

export function AdminUsers({ session }: PageProps): ReactNode {
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

const TEXT_FIELDS = ['email', 'firstname', 'lastname', 'comment'] as const;

function UserForm(
  props: FormEvents & {
    readonly user: UserRow | undefined;
    readonly groups: readonly string[];
    readonly realms: readonly RealmRow[];
  },
): ReactNode {
  const { user } = props;
  const [userid, setUserid] = useState(user?.userid ?? '');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [text, setText] = useState<Record<(typeof TEXT_FIELDS)[number], string>>({
    email: user?.email ?? '',
    firstname: user?.firstname ?? '',
    lastname: user?.lastname ?? '',
    comment: user?.comment ?? '',
  });
  const [expire, setExpire] = useState(dateOfEpoch(user?.expire));
  const [enable, setEnable] = useState(user ? user.enable !== 0 : true);
  const [groups, setGroups] = useState<string[]>(user ? groupsOf(user) : []);
  const submit = useSubmit();

  const realm = realmOf(userid);
  const realmType = props.realms.find((r) => r.realm === realm)?.type;
  const pve = user === undefined && realmType === 'pve';
  const set =
    (name: (typeof TEXT_FIELDS)[number]) =>
    (value: string): void => {
      setText((t) => ({ ...t, [name]: value }));
    };
  // Groups the user is in but the caller cannot see stay listed, so saving keeps them.
  const groupChoices = [...new Set([...props.groups, ...(user ? groupsOf(user) : [])])].sort();

  const save = async (): Promise<void> => {
    const fields: Record<string, string | number | boolean | undefined> = {};
    for (const name of TEXT_FIELDS) if (text[name].trim() !== '') fields[name] = text[name].trim();
    fields['expire'] = epochOfDate(expire);
    fields['enable'] = enable;
    if (user === undefined) {
      const id = userid.trim();
      const problem = userIdProblem(id);
      if (problem !== undefined) throw fieldError('userid', problem);
      if (props.realms.length > 0 && realmType === undefined)
        throw fieldError(
          'userid',
          `there is no realm '${realmOf(id)}' (realms: ${props.realms.map((r) => r.realm).join(', ')})`,
        );
      if (pve && password !== repeat) throw fieldError('repeat', 'the passwords differ');
      const params: Params = {
        userid: id,
        ...fields,
        ...(pve && password !== '' ? { password } : {}),
        ...(groups.length > 0 ? { groups: groups.join(',') } : {}),
      };
      try {
        await api('POST', '/access/users', params);
      } catch (err) {
        // Proxmox refuses a bad or taken user id with a plain message: show it at the id.
        if (
          err instanceof ApiError &&
          Object.keys(err.errors).length === 0 &&
          err.message.includes(id)
        )
          throw new ApiError(err.status, err.message, { userid: err.message });
        throw err;
      }
      props.onDone(`User ${id} created.`);
    } else {
      const cleared = TEXT_FIELDS.filter(
        (name) => text[name].trim() === '' && user[name] !== undefined,
      );
      await api('PUT', itemPath('/access/users', user.userid), {
        ...fields,
        groups: groups.join(','),
        ...(cleared.length > 0 ? { delete: cleared.join(',') } : {}),
      });
      props.onDone(`User ${user.userid} saved.`);
    }
  };

  return (
    <FormPanel
      {...addOrEdit('user', user?.userid)}
      submit={submit}
      onCancel={props.onCancel}
      onSubmit={save}
    >
      {user === undefined ? (
        <div className="row">
          <Input
            label="User ID"
            name="userid"
            value={userid}
            onChange={setUserid}
            errors={submit.errors}
            required
            hint={`name@realm, for example alice@pve${props.realms.length > 0 ? ` (realms: ${props.realms.map((r) => r.realm).join(', ')})` : ''}`}
          />
        </div>
      ) : null}
      {pve ? (
        <div className="row">
          <Input
            label="Password"
            name="password"
            type="password"
            autoComplete="new-password"
            value={password}
            onChange={setPassword}
            errors={submit.errors}
            hint="At least 8 characters. Users of other realms log in with their realm's password."
          />
          <Input
            label="Repeat password"
            name="repeat"
            type="password"
            autoComplete="new-password"
            value={repeat}
            onChange={setRepeat}
            errors={submit.errors}
          />
        </div>
      ) : null}
      <div className="row">
        <Input
          label="First name"
          name="firstname"
          value={text.firstname}
          onChange={set('firstname')}
          errors={submit.errors}
        />
        <Input
          label="Last name"
          name="lastname"
          value={text.lastname}
          onChange={set('lastname')}
          errors={submit.errors}
        />
      </div>
      <div className="row">
        <Input
          label="Email"
          name="email"
          type="email"
          autoComplete="off"
          value={text.email}
          onChange={set('email')}
          errors={submit.errors}
        />
        <ExpiryInput
          value={expire}
          onChange={setExpire}
          errors={submit.errors}
          hint="The account stops working at the start of this day. Empty: never."
        />
      </div>
      <CommentInput value={text.comment} onChange={set('comment')} errors={submit.errors} />
      <Checkbox label="Enabled" checked={enable} onChange={setEnable} />
      <CheckList
        label="Groups"
        name="groups"
        choices={groupChoices}
        selected={groups}
        onChange={setGroups}
        errors={submit.errors}
        empty="There are no groups yet."
      />
    </FormPanel>
  );
}
