/**
 * Permissions: the access control list (`GET /access/acl`), adding an entry (path, user,
 * group or API token, role, propagate) and removing one (`PUT /access/acl` with `delete`).
 */
import { useState, type ReactNode } from 'react';
import { api, fieldError } from '../../api.js';
import { Checkbox, Input, Select, useSubmit } from '../../components/Form.js';
import type { Column } from '../../components/Table.js';
import { can } from '../../session.js';
import type { PageProps } from '../page.js';
import { ConfirmButton } from './buttons.js';
import { yesNo } from './format.js';
import { FormPanel, type FormEvents } from './FormPanel.js';
import { ListPageView, useListPage } from './list-page.js';
import { useLoad } from './load.js';
import { loadUsers, tokenIdsOf, type GroupRow, type RoleRow, type UserRow } from './resources.js';

interface AclRow {
  readonly path: string;
  readonly type: 'user' | 'group' | 'token';
  readonly ugid: string;
  readonly roleid: string;
  readonly propagate: number;
}

type Kind = AclRow['type'];

const KINDS: readonly { value: Kind; label: string; param: string }[] = [
  { value: 'user', label: 'User', param: 'users' },
  { value: 'group', label: 'Group', param: 'groups' },
  { value: 'token', label: 'API token', param: 'tokens' },
];

function kindOf(type: Kind): { value: Kind; label: string; param: string } {
  return KINDS.find((k) => k.value === type) ?? { value: 'user', label: 'User', param: 'users' };
}

/** Paths worth suggesting besides those already in the list. */
const COMMON_PATHS = [
  '/',
  '/access',
  '/access/groups',
  '/access/realm',
  '/mapping',
  '/nodes',
  '/pool',
  '/sdn',
  '/storage',
  '/vms',
];

const COLUMNS: readonly Column<AclRow>[] = [
  { key: 'path', title: 'Path', value: (a) => a.path },
  { key: 'type', title: 'Type', value: (a) => kindOf(a.type).label },
  { key: 'ugid', title: 'User/Group/Token', value: (a) => a.ugid },
  { key: 'roleid', title: 'Role', value: (a) => a.roleid },
  { key: 'propagate', title: 'Propagate', value: (a) => yesNo(a.propagate === 1) },
];

interface Choices {
  readonly users: readonly string[];
  readonly tokens: readonly string[];
  readonly groups: readonly string[];
  readonly roles: readonly string[];
}

async function loadChoices(): Promise<Choices> {
  const [users, groups, roles] = await Promise.all([
    loadUsers().catch(() => [] as UserRow[]),
    api<GroupRow[]>('GET', '/access/groups').catch(() => [] as GroupRow[]),
    api<RoleRow[]>('GET', '/access/roles').catch(() => [] as RoleRow[]),
  ]);
  return {
    users: users.map((u) => u.userid),
    tokens: users.flatMap(tokenIdsOf),
    groups: groups.map((g) => g.groupid),
    roles: roles.map((r) => r.roleid),
  };
}

export function AdminAcl({ session }: PageProps): ReactNode {
  const page = useListPage<AclRow, 'add'>('acl', () => api<AclRow[]>('GET', '/access/acl'));
  const choices = useLoad('choices', loadChoices);
  const modify = can(session, 'access', 'Permissions.Modify');

  return (
    <ListPageView
      page={page}
      add={{ text: 'Add permission', form: 'add', onOpen: choices.reload }}
      form={() => (
        <AclForm
          choices={choices.data}
          paths={[
            ...new Set([...COMMON_PATHS, ...(page.list.data ?? []).map((a) => a.path)]),
          ].sort()}
          onCancel={page.cancel}
          onDone={page.finish}
        />
      )}
      caption="Access control list"
      columns={COLUMNS}
      rowKey={(a) => `${a.path}|${a.type}|${a.ugid}|${a.roleid}`}
      actions={(a) => (
        <ConfirmButton
          text="Remove"
          name={`Remove ${a.roleid} for ${a.ugid} on ${a.path}`}
          question={`Remove role ${a.roleid} of ${a.ugid} on ${a.path}?`}
          confirm="Remove"
          disabled={page.busy}
          onConfirm={() => {
            page.act(`Removed ${a.roleid} for ${a.ugid} on ${a.path}.`, () =>
              api('PUT', '/access/acl', {
                path: a.path,
                roles: a.roleid,
                [kindOf(a.type).param]: a.ugid,
                delete: true,
              }),
            );
          }}
        />
      )}
      empty="The access control list is empty."
    >
      {!modify ? (
        <p className="hint">
          Without Permissions.Modify you may hand out only roles whose privileges you hold on the
          path yourself.
        </p>
      ) : null}
    </ListPageView>
  );
}

function AclForm(
  props: FormEvents & {
    readonly choices: Choices | undefined;
    readonly paths: readonly string[];
  },
): ReactNode {
  const [path, setPath] = useState('/');
  const [kind, setKind] = useState<Kind>('user');
  const [member, setMember] = useState('');
  const [role, setRole] = useState('');
  const [propagate, setPropagate] = useState(true);
  const submit = useSubmit();
  const { label, param } = kindOf(kind);
  const members =
    kind === 'user'
      ? props.choices?.users
      : kind === 'group'
        ? props.choices?.groups
        : props.choices?.tokens;
  const roles = props.choices?.roles ?? [];
  return (
    <FormPanel
      title="Add permission"
      submit={submit}
      submitText="Add"
      onCancel={props.onCancel}
      onSubmit={async () => {
        const who = member.trim();
        if (who === '') throw fieldError(param, `choose a ${label.toLowerCase()}`);
        if (role === '') throw fieldError('roles', 'choose a role');
        await api('PUT', '/access/acl', {
          path: path.trim(),
          roles: role,
          [param]: who,
          propagate,
        });
        props.onDone(`Gave ${who} the role ${role} on ${path.trim()}.`);
      }}
    >
      <div className="row">
        <Input
          label="Path"
          name="path"
          value={path}
          onChange={setPath}
          errors={submit.errors}
          suggestions={props.paths}
          required
          hint="For example /vms/100, /pool/dev, /storage/local, /access/groups/ops."
        />
        <Select
          label="Type"
          name="type"
          value={kind}
          onChange={(value) => {
            setKind(value as Kind);
            setMember('');
          }}
          choices={KINDS}
        />
        <Input
          label={label}
          name={param}
          value={member}
          onChange={setMember}
          errors={submit.errors}
          suggestions={members ?? []}
          required
          hint={
            kind === 'token' ? 'user@realm!token' : kind === 'group' ? 'A group id.' : 'user@realm'
          }
        />
        <Select
          label="Role"
          name="roles"
          value={role}
          onChange={setRole}
          errors={submit.errors}
          choices={[{ value: '', label: 'Choose a role…' }, ...roles]}
        />
      </div>
      <Checkbox label="Propagate to paths below" checked={propagate} onChange={setPropagate} />
    </FormPanel>
  );
}
