/**
 * `/access/acl`: listing what the caller may see and changing entries (the rules are the
 * service's: services/acl.ts).
 */
import { parameterError } from '../../errors.js';
import { normalizeAclPath } from '../../model/acl-path.js';
import {
  parseGroupId,
  parseRoleId,
  parseTokenId,
  parseUserId,
  type RoleId,
} from '../../model/ids.js';
import { splitList } from '../../model/text.js';
import { sortAclPaths } from '../../model/acl-path.js';
import { mayModifyAcl, modifyAcl } from '../../services/acl.js';
import type { OperationRegistry } from '../operation.js';
import { parseChecked } from '../params.js';
import { ACL_LIST } from './returns.js';
import { compareCodePoints } from '../../model/compare.js';

export function aclOperations(api: OperationRegistry): void {
  api.operation(
    'GET',
    '/access/acl',
    {},
    ({ snapshot, checks }) => {
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
          for (const [member, assigned] of [...members].sort(([a], [b]) =>
            compareCodePoints(a, b),
          )) {
            for (const [roleid, propagate] of [...assigned].sort(([a], [b]) =>
              compareCodePoints(a, b),
            )) {
              out.push({ path, type, ugid: member, roleid, propagate: propagate ? 1 : 0 });
            }
          }
        }
      }
      return out;
    },
    { name: 'read_acl', description: 'Lists the access control list.', returns: ACL_LIST },
  );

  api.operation(
    'PUT',
    '/access/acl',
    {
      path: {
        type: 'string',
        description: 'The object the entry is on, such as /, /vms/100, /pool/dev or /access.',
      },
      roles: {
        type: 'string',
        list: true,
        description: 'The roles to grant (or, with delete, to revoke), comma-separated.',
      },
      users: {
        type: 'string',
        optional: true,
        list: true,
        description: 'Users (user@realm) the entry is for, comma-separated.',
      },
      groups: {
        type: 'string',
        optional: true,
        list: true,
        description: 'Groups the entry is for, comma-separated.',
      },
      tokens: {
        type: 'string',
        optional: true,
        list: true,
        description: 'API tokens (user@realm!name) the entry is for, comma-separated.',
      },
      propagate: {
        type: 'boolean',
        optional: true,
        default: 1,
        description: 'Whether the entry also applies to the objects below the path.',
      },
      delete: {
        type: 'boolean',
        optional: true,
        description: 'Remove these entries instead of adding them.',
      },
    },
    async ({ params, checks, services }) => {
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
      const propagate = params.propagate ?? true;
      const roles = parseChecked(
        () => splitList(params.roles).map((r) => parseRoleId(r, 'roles')),
        () => {
          checks.permModify(path);
        },
      );
      const members = parseChecked(
        () => ({
          users: splitList(params.users).map((u) => parseUserId(u, 'users')),
          groups: splitList(params.groups).map((g) => parseGroupId(g, 'groups')),
          tokens: splitList(params.tokens).map((t) => parseTokenId(t, 'tokens')),
        }),
        () => {
          mayModifyAcl(checks, path, roles, propagate);
        },
      );
      await modifyAcl(services, {
        path,
        roles,
        ...members,
        propagate,
        delete: params.delete ?? false,
      });
      return null;
    },
    { name: 'update_acl', description: 'Adds or removes access control list entries.' },
  );
}
