/**
 * `/access/acl`: listing what the caller may see and changing entries. Without
 * Permissions.Modify on the path, a caller may only hand out roles whose privileges it holds
 * there itself (and holds propagated, if the new entry propagates), as in Proxmox.
 */
import { parameterError, rejected } from '../../errors.js';
import { normalizeAclPath } from '../../model/acl-path.js';
import {
  parseGroupId,
  parseRoleId,
  parseTokenId,
  parseUserId,
  type RoleId,
} from '../../model/ids.js';
import { BUILTIN_ROLES, NO_ACCESS } from '../../model/roles.js';
import { splitList } from '../../model/text.js';
import { sortAclPaths } from '../../model/acl-path.js';
import { modifyAcl } from '../../services/acl.js';
import type { Api } from '../app.js';

export function aclRoutes(api: Api): void {
  api.route('GET', '/access/acl', {}, ({ snapshot, checks }) => {
    const audit = checks.has('/access', 'Sys.Audit');
    const out: Record<string, unknown>[] = [];
    for (const path of sortAclPaths(snapshot.users.acl.keys())) {
      if (!audit && !checks.canModify(path)) continue;
      const node = snapshot.users.acl.get(path);
      if (!node) continue;
      const entries: [string, ReadonlyMap<string, ReadonlyMap<RoleId, boolean>>][] = [
        ['group', node.groups],
        ['user', node.users],
        ['token', node.tokens],
      ];
      for (const [type, members] of entries) {
        for (const [member, assigned] of [...members].sort(([a], [b]) => a.localeCompare(b))) {
          for (const [roleid, propagate] of [...assigned].sort(([a], [b]) => a.localeCompare(b))) {
            out.push({ path, type, ugid: member, roleid, propagate: propagate ? 1 : 0 });
          }
        }
      }
    }
    return out;
  });

  api.route(
    'PUT',
    '/access/acl',
    {
      path: { type: 'string' },
      roles: { type: 'string' },
      users: { type: 'string', optional: true },
      groups: { type: 'string', optional: true },
      tokens: { type: 'string', optional: true },
      propagate: { type: 'boolean', optional: true },
      delete: { type: 'boolean', optional: true },
    },
    async ({ params, checks, snapshot, engine, caller, services }) => {
      if (
        params.users === undefined &&
        params.groups === undefined &&
        params.tokens === undefined
      ) {
        const message = "either 'users', 'groups' or 'tokens' is required.";
        throw parameterError({ groups: message, tokens: message, users: message });
      }
      const path = normalizeAclPath(params.path);
      if (path === undefined) throw parameterError({ path: `invalid ACL path '${params.path}'` });
      checks.permModify(path);
      const roles = splitList(params.roles).map((r) => parseRoleId(r, 'roles'));
      const propagate = params.propagate ?? true;
      if (!checks.has(path, 'Permissions.Modify')) {
        const own = engine.privileges(caller.authid, path);
        for (const role of roles)
          subsetCheck(role, snapshot.users.roles.get(role)?.privileges, own, propagate);
      }
      await modifyAcl(services, {
        path,
        roles,
        users: splitList(params.users).map((u) => parseUserId(u, 'users')),
        groups: splitList(params.groups).map((g) => parseGroupId(g, 'groups')),
        tokens: splitList(params.tokens).map((t) => parseTokenId(t, 'tokens')),
        propagate,
        delete: params.delete ?? false,
      });
      return null;
    },
  );
}

function subsetCheck(
  role: RoleId,
  custom: ReadonlySet<string> | undefined,
  own: ReadonlyMap<string, boolean>,
  propagate: boolean,
): void {
  const refuse = (reason: string): never => {
    throw rejected(`ACL update failed: 400 Parameter verification failed.\nrole: ${reason}`);
  };
  if (role === NO_ACCESS) refuse(`Cannot add role '${role}' - requires 'Permissions.Modify'`);
  const privileges = BUILTIN_ROLES.get(role) ?? custom;
  if (!privileges) return; // the service reports the unknown role
  for (const privilege of privileges) {
    const held = own.get(privilege);
    if (held === undefined || (propagate && !held))
      refuse(
        `Cannot add role '${role}' - requires 'Permissions.Modify' or superset of privileges.`,
      );
  }
}
