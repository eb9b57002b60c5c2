/**
 * Whole-principal views of the permission engine: the map `GET /access/permissions`
 * returns and the `cap` object a login returns.
 */
import { forbidden, invalid } from '../errors.js';
import { asAuthid, show, type Authid } from '../model/ids.js';
import { requestedAclPath, sortAclPaths, type AclPath } from '../model/acl-path.js';
import { isEmptyResult, resultToObject, type PermissionEngine } from './engine.js';

/** `{ "<path>": { "<Privilege>": 0|1 } }` */
export type PermissionMap = Record<string, Record<string, 0 | 1>>;

/** Paths every effective-permission listing looks at, besides the ACL's own. */
const FIXED_PATHS: readonly AclPath[] = [
  '/',
  '/access',
  '/access/groups',
  '/nodes',
  '/pool',
  '/sdn',
  '/storage',
  '/vms',
].map(requestedAclPath);

/**
 * Every path where `authid` holds something: the fixed paths, every ACL node (parents
 * included) and every pool member, each with its privileges (Proxmox's
 * `get_effective_permissions`).
 */
export function effectivePermissions(engine: PermissionEngine, authid: Authid): PermissionMap {
  const paths = new Set<AclPath>(FIXED_PATHS);
  for (const path of engine.acl.nodePaths) paths.add(requestedAclPath(path));
  for (const path of engine.acl.poolsOfPath.keys()) paths.add(requestedAclPath(path));
  const out: PermissionMap = {};
  for (const path of sortAclPaths(paths)) {
    const result = engine.result(authid, path);
    if (!isEmptyResult(result)) out[path] = resultToObject(result);
  }
  return out;
}

/**
 * `GET /access/permissions` for `caller`: itself by default, a token of its own, or anyone
 * when the caller holds Sys.Audit on /access. With `path`, that one path (not normalised,
 * and listed even when empty).
 */
export function permissionsFor(
  engine: PermissionEngine,
  caller: Authid,
  params: { readonly userid?: string; readonly path?: string },
): PermissionMap {
  let target = caller;
  if (params.userid !== undefined) {
    const asked = asAuthid(params.userid);
    if (asked === undefined)
      throw invalid(
        'userid',
        `value '${show(params.userid)}' does not look like a valid user or token ID`,
      );
    target = asked;
  }
  const ownToken = target.startsWith(`${caller}!`);
  if (target !== caller && !ownToken && !engine.can(caller, ACCESS, 'Sys.Audit'))
    throw forbidden('/access, Sys.Audit');
  if (params.path !== undefined) {
    return {
      [params.path]: resultToObject(engine.result(target, requestedAclPath(params.path))),
    };
  }
  return effectivePermissions(engine, target);
}

const ACCESS = requestedAclPath('/access');

export type Capabilities = Record<
  'vms' | 'access' | 'storage' | 'nodes' | 'sdn' | 'dc' | 'mapping',
  Record<string, 1>
>;

/** Which privileges of a path's permissions count for each `cap` section. */
function capSections(firstSegment: string, privilege: string): (keyof Capabilities)[] {
  const modify = privilege === 'Permissions.Modify';
  switch (firstSegment) {
    case 'pool':
      if (modify) return ['vms', 'storage'];
      if (privilege.startsWith('VM.')) return ['vms'];
      return privilege.startsWith('Datastore.') ? ['storage'] : [];
    case 'vms':
      return modify || privilege.startsWith('VM.') ? ['vms'] : [];
    case 'access':
      return modify || privilege.startsWith('User.') || privilege.startsWith('Group.')
        ? ['access']
        : [];
    case 'storage':
      return modify || privilege.startsWith('Datastore.') ? ['storage'] : [];
    case 'nodes':
      return modify || privilege.startsWith('Sys.') ? ['nodes'] : [];
    case 'sdn':
      return modify || privilege.startsWith('SDN.') ? ['sdn'] : [];
    case 'dc':
      return privilege.startsWith('Sys.Audit') ||
        privilege.startsWith('Sys.Modify') ||
        privilege.startsWith('SDN.')
        ? ['dc']
        : [];
    case 'mapping':
      return modify || privilege.startsWith('Mapping.') ? ['mapping'] : [];
    default:
      return [];
  }
}

const CAP_FIXED_PATHS: readonly AclPath[] = [
  '/',
  '/nodes',
  '/access/groups',
  '/vms',
  '/storage',
  '/sdn',
  '/mapping',
].map(requestedAclPath);

/** The `cap` object of a login answer (Proxmox's `compute_api_permission`). */
export function capabilities(engine: PermissionEngine, authid: Authid): Capabilities {
  const cap: Capabilities = {
    vms: {},
    access: {},
    storage: {},
    nodes: {},
    sdn: {},
    dc: {},
    mapping: {},
  };
  const paths = new Set<AclPath>(CAP_FIXED_PATHS);
  for (const path of engine.acl.nodePaths) paths.add(requestedAclPath(path));
  for (const path of paths) {
    const first = path === '/' ? 'dc' : (path.split('/')[1] ?? '');
    const result = engine.result(authid, path);
    if (isEmptyResult(result)) continue;
    for (const privilege of Object.keys(resultToObject(result))) {
      for (const section of capSections(first, privilege)) cap[section][privilege] = 1;
    }
  }
  return cap;
}
