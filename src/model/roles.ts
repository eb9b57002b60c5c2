/**
 * The built-in ("special") roles of Proxmox VE 9.1, generated from the privilege
 * categories exactly as upstream does. They cannot be changed and are never written to
 * user.cfg.
 */
import type { RoleId } from './ids.js';
import { PRIVILEGE_CATEGORIES, PRIVILEGES, type Privilege } from './privileges.js';

export const NO_ACCESS = 'NoAccess' as RoleId;
export const ADMINISTRATOR = 'Administrator' as RoleId;

function buildBuiltinRoles(): ReadonlyMap<RoleId, ReadonlySet<Privilege>> {
  const roles = new Map<string, Set<Privilege>>();
  const add = (role: string, privileges: readonly Privilege[]): void => {
    let set = roles.get(role);
    if (!set) roles.set(role, (set = new Set()));
    for (const p of privileges) set.add(p);
  };
  roles.set(NO_ACCESS, new Set());
  roles.set(ADMINISTRATOR, new Set(PRIVILEGES));
  for (const [name, category] of Object.entries(PRIVILEGE_CATEGORIES)) {
    const managed: Privilege[] = [...category.admin, ...category.user, ...category.audit];
    if (managed.length > 0) add(`PVE${name}Admin`, managed);
    // PVEAdmin may manage everything but resource mappings, which stay with Administrator.
    add(
      'PVEAdmin',
      managed.filter((p) => p !== 'Mapping.Modify'),
    );
    if (category.user.length > 0) add(`PVE${name}User`, [...category.user, ...category.audit]);
    add('PVEAuditor', category.audit);
  }
  roles.set('PVETemplateUser', new Set<Privilege>(['VM.Clone', 'VM.Audit']));
  return new Map(
    [...roles].map(([id, privs]) => [id as RoleId, Object.freeze(privs) as ReadonlySet<Privilege>]),
  );
}

/** Every built-in role and its exact privilege set. */
export const BUILTIN_ROLES: ReadonlyMap<RoleId, ReadonlySet<Privilege>> = buildBuiltinRoles();

export function isBuiltinRole(id: string): boolean {
  return BUILTIN_ROLES.has(id as RoleId);
}
