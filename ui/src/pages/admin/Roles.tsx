/**
 * Roles: the built-in roles and the custom ones with their privileges; creating and editing
 * custom roles with a privilege picker (grouped by prefix, with a filter); deleting them.
 */
import { useState, type ReactNode } from 'react';
import { PRIVILEGES } from '../../../../src/model/privileges.js';
import { api, itemPath } from '../../api.js';
import { Input, useSubmit } from '../../components/Form.js';
import type { Column } from '../../components/Table.js';
import { can } from '../../session.js';
import type { PageProps } from '../page.js';
import { EditButton, RowButton } from './buttons.js';
import { addOrEdit, FormPanel, type FormEvents } from './FormPanel.js';
import { DeleteRowButton, ListPageView, useListPage } from './list-page.js';
import { PrivilegePicker } from './PrivilegePicker.js';
import type { RoleRow } from './resources.js';

function privsOf(role: RoleRow): string[] {
  return role.privs.split(',').filter((p) => p !== '');
}

const COLUMNS: readonly Column<RoleRow>[] = [
  { key: 'roleid', title: 'Role', value: (r) => r.roleid },
  { key: 'kind', title: 'Kind', value: (r) => (r.special === 1 ? 'Built-in' : 'Custom') },
  {
    key: 'privs',
    title: 'Privileges',
    value: (r) => privsOf(r).join(', '),
    render: (r) => (
      <span className="privlist">{r.privs === '' ? '(none)' : privsOf(r).join(', ')}</span>
    ),
  },
];

type Editing =
  | { readonly mode: 'create'; readonly privs: readonly string[] }
  | { readonly mode: 'edit'; readonly role: RoleRow };

export function AdminRoles({ session }: PageProps): ReactNode {
  const page = useListPage<RoleRow, Editing>('roles', () => api<RoleRow[]>('GET', '/access/roles'));
  // Changing roles takes Sys.Modify on /access, which `cap` does not list: root and
  // Administrator hold it, and so does whoever holds Permissions.Modify in practice.
  const modify = can(session, 'access', 'Permissions.Modify');

  const actions = (r: RoleRow): ReactNode => (
    <>
      <RowButton
        text="Copy"
        name={`Copy ${r.roleid}`}
        onClick={() => {
          page.start({ mode: 'create', privs: privsOf(r) });
        }}
      />
      {r.special !== 1 ? (
        <>
          <EditButton
            id={r.roleid}
            onClick={() => {
              page.start({ mode: 'edit', role: r });
            }}
          />
          <DeleteRowButton
            page={page}
            kind="role"
            id={r.roleid}
            question={`Delete role ${r.roleid}? ACL entries that use it go too.`}
            shows={(open) => open.mode === 'edit' && open.role.roleid === r.roleid}
            remove={() => api('DELETE', itemPath('/access/roles', r.roleid))}
          />
        </>
      ) : null}
    </>
  );

  return (
    <ListPageView
      page={page}
      add={modify ? { text: 'Add role', form: { mode: 'create', privs: [] } } : undefined}
      form={(editing) => (
        <RoleForm
          key={editing.mode === 'edit' ? editing.role.roleid : `new:${editing.privs.join(',')}`}
          role={editing.mode === 'edit' ? editing.role : undefined}
          initial={editing.mode === 'edit' ? privsOf(editing.role) : editing.privs}
          onCancel={page.cancel}
          onDone={page.finish}
        />
      )}
      caption="Roles"
      columns={COLUMNS}
      rowKey={(r) => r.roleid}
      actions={modify ? actions : undefined}
      empty="No roles."
    />
  );
}

function RoleForm(
  props: FormEvents & {
    readonly role: RoleRow | undefined;
    readonly initial: readonly string[];
  },
): ReactNode {
  const { role } = props;
  const [roleid, setRoleid] = useState('');
  const [privs, setPrivs] = useState<readonly string[]>(props.initial);
  const submit = useSubmit();
  return (
    <FormPanel
      {...addOrEdit('role', role?.roleid)}
      submit={submit}
      onCancel={props.onCancel}
      onSubmit={async () => {
        const list = PRIVILEGES.filter((p) => privs.includes(p)).join(',');
        if (role) {
          await api('PUT', itemPath('/access/roles', role.roleid), { privs: list });
          props.onDone(`Role ${role.roleid} saved.`);
        } else {
          const id = roleid.trim();
          await api('POST', '/access/roles', { roleid: id, privs: list });
          props.onDone(`Role ${id} created.`);
        }
      }}
    >
      {role === undefined ? (
        <div className="row">
          <Input
            label="Role ID"
            name="roleid"
            value={roleid}
            onChange={setRoleid}
            errors={submit.errors}
            required
            hint="Letters, digits, '.', '-' and '_'. Names starting with PVE are reserved."
          />
        </div>
      ) : null}
      <PrivilegePicker selected={privs} onChange={setPrivs} error={submit.errors['privs']} />
    </FormPanel>
  );
}
