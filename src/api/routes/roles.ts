/** `/access/roles`: built-in and custom roles. */
import { rejected } from '../../errors.js';
import { parseRoleId } from '../../model/ids.js';
import { BUILTIN_ROLES } from '../../model/roles.js';
import { splitList } from '../../model/text.js';
import { createRole, deleteRole, mayModifyRoles, updateRole } from '../../services/roles.js';
import type { OperationRegistry } from '../operation.js';
import { formatChecked, parseChecked } from '../params.js';
import { ROLE_LIST } from './returns.js';
import { APPEND_DOC, ROLEID_DOC } from './param-docs.js';
import { compareCodePoints } from '../../model/compare.js';

const ROLEID = { type: 'string', ...ROLEID_DOC } as const;
const PRIVS = {
  type: 'string',
  optional: true,
  list: true,
  description: "The role's privileges (VM.Audit, Sys.Modify, ...), comma-separated.",
} as const;

export function roleOperations(api: OperationRegistry): void {
  api.operation(
    'GET',
    '/access/roles',
    {},
    ({ snapshot }) => {
      const roles = [
        ...[...BUILTIN_ROLES].map(([roleid, privs]) => ({
          roleid,
          privs: [...privs].sort().join(','),
          special: 1,
        })),
        ...[...snapshot.users.roles.values()].map((r) => ({
          roleid: r.roleid,
          privs: [...r.privileges].sort().join(','),
          special: 0,
        })),
      ];
      return roles.sort((a, b) => compareCodePoints(a.roleid, b.roleid));
    },
    { name: 'index', description: 'Lists the roles.', returns: ROLE_LIST },
  );

  api.operation(
    'GET',
    '/access/roles/:roleid',
    { roleid: ROLEID },
    ({ params, snapshot }) => {
      const roleid = parseRoleId(params.roleid);
      const privileges = BUILTIN_ROLES.get(roleid) ?? snapshot.users.roles.get(roleid)?.privileges;
      if (!privileges) throw rejected(`role '${roleid}' does not exist`);
      return Object.fromEntries([...privileges].sort().map((p) => [p, 1]));
    },
    { name: 'read_role', description: "Shows a role's privileges." },
  );

  api.operation(
    'POST',
    '/access/roles',
    { roleid: ROLEID, privs: PRIVS },
    async ({ params, checks, services }) => {
      const roleid = parseChecked(
        () => formatChecked(() => parseRoleId(params.roleid)),
        () => {
          mayModifyRoles(checks);
        },
      );
      await createRole(services, roleid, splitList(params.privs));
      return null;
    },
    { name: 'create_role', description: 'Creates a role.' },
  );

  api.operation(
    'PUT',
    '/access/roles/:roleid',
    {
      roleid: ROLEID,
      privs: PRIVS,
      append: { type: 'boolean', optional: true, ...APPEND_DOC },
    },
    async ({ params, checks, services }) => {
      const roleid = parseChecked(
        () => formatChecked(() => parseRoleId(params.roleid)),
        () => {
          mayModifyRoles(checks);
        },
      );
      await updateRole(services, roleid, {
        ...(params.privs !== undefined ? { privs: splitList(params.privs) } : {}),
        ...(params.append !== undefined ? { append: params.append } : {}),
      });
      return null;
    },
    { name: 'update_role', description: 'Changes a role.' },
  );

  api.operation(
    'DELETE',
    '/access/roles/:roleid',
    { roleid: ROLEID },
    async ({ params, checks, services }) => {
      const roleid = parseChecked(
        () => formatChecked(() => parseRoleId(params.roleid)),
        () => {
          mayModifyRoles(checks);
        },
      );
      await deleteRole(services, roleid);
      return null;
    },
    { name: 'delete_role', description: 'Deletes a role.' },
  );
}
