/**
 * Custom roles. Built-in roles cannot be created, changed or deleted, and the `PVE` prefix
 * is reserved for them, as in Proxmox. Deleting a role removes its ACL assignments in the
 * same transaction (Proxmox leaves them in user.cfg until its next parse drops them; the
 * permissions are the same either way).
 */
import { forbidden, invalid } from '../errors.js';
import { ownerOf, type RoleId, type UserId } from '../model/ids.js';
import { isPrivilege, type Privilege } from '../model/privileges.js';
import { isBuiltinRole } from '../model/roles.js';
import type { RoleAssignments, Role } from '../model/user-config.js';
import { PermissionEngine } from '../permissions/engine.js';
import { encodeRole, KEYS } from '../store/codec.js';
import { removeRoleFromAcl } from './acl.js';
import { rejected } from '../errors.js';
import { draft } from './audit.js';
import { authorize, type Authorization } from './authorize.js';
import { audited, commit, refuse, type ServiceContext } from './context.js';

/** Creating, changing and deleting roles takes `Sys.Modify` on /access. */
export function mayModifyRoles(auth: Authorization): void {
  auth.perm('/access', ['Sys.Modify']);
}

/**
 * A role may gain only privileges the actor holds wherever the role is assigned (propagated
 * where the assignment propagates): its holders gain them there, and the actor may be one
 * of them (docs/compatibility.md).
 */
function mayExtendRole(auth: Authorization, role: Role, next: ReadonlySet<Privilege>): void {
  if (auth.isRoot) return;
  const added = [...next].filter((priv) => !role.privileges.has(priv));
  if (added.length === 0) return;
  for (const [path, node] of auth.snapshot.users.acl) {
    let propagates: boolean | undefined;
    for (const members of [node.users, node.groups, node.tokens])
      for (const roles of members.values()) {
        const flag = roles.get(role.roleid);
        if (flag !== undefined) propagates = propagates === true || flag;
      }
    if (propagates === undefined) continue;
    const own = auth.engine.privileges(auth.actor.authid, path);
    const missing = added.find((priv) => own.get(priv) !== true && (propagates || !own.has(priv)));
    if (missing !== undefined)
      throw forbidden(
        `role '${role.roleid}' is assigned on ${path}, and you do not hold ${missing} on ${path}` +
          `${propagates ? ' (propagated)' : ''}: handing out privileges you do not hold is not allowed`,
      );
  }
}

/**
 * A role can restrict its holders (a lesser role below a greater one); deleting it must not
 * give any of them a privilege the actor lacks (docs/compatibility.md).
 */
function mayRemoveRole(auth: Authorization, roleid: RoleId): void {
  if (auth.isRoot) return;
  const config = auth.snapshot.users;
  const holders = new Set<UserId>();
  const acl = new Map(
    [...config.acl].map(([path, node]) => {
      const strip = <K>(members: ReadonlyMap<K, RoleAssignments>, hold: (id: K) => void) => {
        const out = new Map<K, RoleAssignments>();
        for (const [id, roles] of members) {
          if (!roles.has(roleid)) {
            out.set(id, roles);
            continue;
          }
          hold(id);
          const rest = new Map(roles);
          rest.delete(roleid);
          if (rest.size > 0) out.set(id, rest);
        }
        return out;
      };
      return [
        path,
        {
          users: strip(node.users, (id) => holders.add(id)),
          groups: strip(node.groups, (id) => {
            for (const member of config.groups.get(id)?.members ?? []) holders.add(member);
          }),
          tokens: strip(node.tokens, (id) => holders.add(ownerOf(id))),
        },
      ];
    }),
  );
  if (holders.size === 0) return;
  const roles = new Map(config.roles);
  roles.delete(roleid);
  auth.gainsOnlyHeld(holders, PermissionEngine.compile({ ...config, roles, acl }));
}

function privileges(privs: readonly string[]): Privilege[] {
  for (const priv of privs)
    // Proxmox's format errors keep their newline, and clients see it.
    if (!isPrivilege(priv))
      throw invalid('privs', `invalid format - invalid privilege '${priv}'\n`);
  return privs as Privilege[];
}

export async function createRole(
  ctx: ServiceContext,
  roleid: RoleId,
  privs: readonly string[] = [],
): Promise<void> {
  const change = draft('role', roleid, 'create', { privs: privs });
  return audited(ctx, change, async () => {
    mayModifyRoles(await authorize(ctx));
    if (/^pve/i.test(roleid))
      throw invalid(
        'roleid',
        "cannot use role ID starting with the (case-insensitive) 'PVE' namespace",
      );
    const checked = privileges(privs);
    return commit(
      ctx,
      'create role failed',
      (changes) => {
        if (isBuiltinRole(roleid) || changes.snapshot.users.roles.has(roleid))
          throw refuse(`role '${roleid}' already exists`, 'roleid');
        changes.put(KEYS.role(roleid), encodeRole({ roleid, privileges: new Set(checked) }));
      },
      change,
    );
  });
}

export async function updateRole(
  ctx: ServiceContext,
  roleid: RoleId,
  input: { readonly privs?: readonly string[]; readonly append?: boolean },
): Promise<void> {
  const change = draft('role', roleid, 'update', { privs: input.privs, append: input.append });
  return audited(ctx, change, async () => {
    const auth = await authorize(ctx);
    mayModifyRoles(auth);
    if (isBuiltinRole(roleid)) throw rejected(`auto-generated role '${roleid}' cannot be modified`);
    if (input.append === true && input.privs === undefined)
      throw invalid('privs', "missing property required by 'append'");
    const checked = privileges(input.privs ?? []);
    return commit(
      ctx,
      'update role failed',
      (changes) => {
        const role = requireRole(changes.snapshot.users.roles.get(roleid), roleid);
        const next = new Set<Privilege>(input.append === true ? role.privileges : []);
        for (const priv of checked) next.add(priv);
        if (input.privs === undefined) for (const priv of role.privileges) next.add(priv);
        mayExtendRole(auth, role, next);
        changes.put(KEYS.role(roleid), encodeRole({ roleid, privileges: next }));
      },
      change,
    );
  });
}

export async function deleteRole(ctx: ServiceContext, roleid: RoleId): Promise<void> {
  const change = draft('role', roleid, 'delete');
  return audited(ctx, change, async () => {
    const auth = await authorize(ctx);
    mayModifyRoles(auth);
    if (isBuiltinRole(roleid)) throw rejected(`auto-generated role '${roleid}' cannot be deleted`);
    mayRemoveRole(auth, roleid);
    return commit(
      ctx,
      'delete role failed',
      (changes) => {
        requireRole(changes.snapshot.users.roles.get(roleid), roleid);
        changes.delete(KEYS.role(roleid));
        removeRoleFromAcl(changes, roleid);
      },
      change,
    );
  });
}

function requireRole(role: Role | undefined, roleid: RoleId): Role {
  if (!role) throw refuse(`role '${roleid}' does not exist`, 'roleid');
  return role;
}
