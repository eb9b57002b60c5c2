/**
 * Users: the list (`GET /access/users?full=1`), creating and editing users with their groups,
 * enabling and disabling, unlocking a TFA lockout, deleting.
 */
import { useState, type ReactNode } from 'react';
import type { PageProps } from '../page.js';
import { api, ApiError, type Params } from '../../api.js';
import { Checkbox, CheckList, Input, useSubmit } from '../../components/Form.js';
import type { Column } from '../../components/Table.js';
import { can } from '../../session.js';
import {
  AddButton,
  dateOfEpoch,
  DeleteButton,
  epochOfDate,
  fieldError,
  FormPanel,
  ListTable,
  realmOf,
  RowButton,
  showExpire,
  useListPage,
  useLoad,
  userIdProblem,
  yesNo,
} from './common.js';

export interface UserRow {
  readonly userid: string;
  readonly enable?: number;
  readonly expire?: number;
  readonly firstname?: string;
  readonly lastname?: string;
  readonly email?: string;
  readonly comment?: string;
  readonly 'realm-type'?: string;
  readonly groups?: string;
  readonly tokens?: readonly { readonly tokenid: string }[] | null;
  readonly 'totp-locked'?: number;
  readonly 'tfa-locked-until'?: number;
}

interface GroupRow {
  readonly groupid: string;
}

interface RealmRow {
  readonly realm: string;
  readonly type: string;
}

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
  {
    key: 'expire',
    title: 'Expires',
    value: (u) => (u.expire === undefined || u.expire === 0 ? Number.MAX_SAFE_INTEGER : u.expire),
    render: (u) => showExpire(u.expire),
  },
  { key: 'groups', title: 'Groups', value: (u) => groupsOf(u).join(', ') },
  { key: 'tfa', title: 'TFA locked', value: tfaLock },
];

type Editing = { readonly mode: 'create' } | { readonly mode: 'edit'; readonly user: UserRow };

export function AdminUsers({ session }: PageProps): ReactNode {
  const users = useLoad('users', () => api<UserRow[]>('GET', '/access/users', { full: 1 }));
  const groups = useLoad('groups', () =>
    api<GroupRow[]>('GET', '/access/groups').catch(() => [] as GroupRow[]),
  );
  const realms = useLoad('realms', () => api<RealmRow[]>('GET', '/access/domains'));
  const page = useListPage<Editing>(users.reload);
  const modify = can(session, 'access', 'User.Modify');
  const editing = page.open;

  const actions = (u: UserRow): ReactNode => (
    <>
      <RowButton
        text="Edit"
        name={`Edit ${u.userid}`}
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
            api('PUT', `/access/users/${encodeURIComponent(u.userid)}`, { enable }),
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
              api('PUT', `/access/users/${encodeURIComponent(u.userid)}/unlock-tfa`),
            );
          }}
        />
      ) : null}
      <DeleteButton
        kind="user"
        id={u.userid}
        question={`Delete user ${u.userid}, with its API tokens, second factors and ACL entries?`}
        disabled={page.busy || u.userid === session.username}
        onConfirm={() => {
          if (editing?.mode === 'edit' && editing.user.userid === u.userid) page.cancel();
          page.act(`User ${u.userid} deleted.`, () =>
            api('DELETE', `/access/users/${encodeURIComponent(u.userid)}`),
          );
        }}
      />
    </>
  );

  return (
    <div className="admin-page">
      {page.messages}
      {modify && editing === undefined ? (
        <AddButton
          text="Add user"
          onClick={() => {
            page.start({ mode: 'create' });
          }}
        />
      ) : null}
      {editing ? (
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
      ) : null}
      <ListTable
        list={users}
        caption="Users"
        columns={COLUMNS}
        rowKey={(u) => u.userid}
        actions={modify ? actions : undefined}
        empty="No users."
      />
    </div>
  );
}

const TEXT_FIELDS = ['email', 'firstname', 'lastname', 'comment'] as const;

function UserForm(props: {
  readonly user: UserRow | undefined;
  readonly groups: readonly string[];
  readonly realms: readonly RealmRow[];
  readonly onCancel: () => void;
  readonly onDone: (message: string) => void;
}): ReactNode {
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
      await api('PUT', `/access/users/${encodeURIComponent(user.userid)}`, {
        ...fields,
        groups: groups.join(','),
        ...(cleared.length > 0 ? { delete: cleared.join(',') } : {}),
      });
      props.onDone(`User ${user.userid} saved.`);
    }
  };

  return (
    <FormPanel
      title={user ? `Edit user ${user.userid}` : 'Add user'}
      submit={submit}
      submitText={user ? 'Save' : 'Create user'}
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
        <Input
          label="Expiry date"
          name="expire"
          type="date"
          value={expire}
          onChange={setExpire}
          errors={submit.errors}
          hint="The account stops working at the start of this day. Empty: never."
        />
      </div>
      <Input
        label="Comment"
        name="comment"
        value={text.comment}
        onChange={set('comment')}
        errors={submit.errors}
      />
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
