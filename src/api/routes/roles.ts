/** `/access/roles`: built-in and custom roles. */
import { rejected } from '../../errors.js';
import { parseRoleId } from '../../model/ids.js';
import { BUILTIN_ROLES } from '../../model/roles.js';
import { splitList } from '../../model/text.js';
import { createRole, deleteRole, mayModifyRoles, updateRole } from '../../services/roles.js';
import type { Api } from '../app.js';
import { parseChecked } from '../params.js';

export function roleRoutes(api: Api): void {
  api.route('GET', '/access/roles', {}, ({ snapshot }) => {
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
    return roles.sort((a, b) => a.roleid.localeCompare(b.roleid));
  });

  api.route(
    'GET',
    '/access/roles/:roleid',
    { roleid: { type: 'string' } },
    ({ params, snapshot }) => {
      const roleid = parseRoleId(params.roleid);
      const privileges = BUILTIN_ROLES.get(roleid) ?? snapshot.users.roles.get(roleid)?.privileges;
      if (!privileges) throw rejected(`role '${roleid}' does not exist`);
      return Object.fromEntries([...privileges].sort().map((p) => [p, 1]));
    },
  );

  api.route(
    'POST',
    '/access/roles',
    { roleid: { type: 'string' }, privs: { type: 'string', optional: true } },
    async ({ params, checks, services }) => {
      const roleid = parseChecked(
        () => parseRoleId(params.roleid),
        () => {
          mayModifyRoles(checks);
        },
      );
      await createRole(services, roleid, splitList(params.privs));
      return null;
    },
  );

  api.route(
    'PUT',
    '/access/roles/:roleid',
    {
      roleid: { type: 'string' },
      privs: { type: 'string', optional: true },
      append: { type: 'boolean', optional: true },
    },
    async ({ params, checks, services }) => {
      const roleid = parseChecked(
        () => parseRoleId(params.roleid),
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
  );

  api.route(
    'DELETE',
    '/access/roles/:roleid',
    { roleid: { type: 'string' } },
    async ({ params, checks, services }) => {
      const roleid = parseChecked(
        () => parseRoleId(params.roleid),
        () => {
          mayModifyRoles(checks);
        },
      );
      await deleteRole(services, roleid);
      return null;
    },
  );
}
