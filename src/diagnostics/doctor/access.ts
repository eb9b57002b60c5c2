/**
 * `break_glass`: a way in that does not depend on an external realm. When the directory or
 * the OpenID provider is down, someone must still be able to log in and fix things: root@pam
 * (a Unix account of the node), or an enabled pve or pam user who administers `/`
 * (Administrator, or Permissions.Modify with User.Modify) and, for pve, has a password.
 * PAM users count only where this node can check PAM passwords (the binding is installed).
 * The advice names the commands that open a way on the node itself, where no login is
 * needed: the break-glass `tessera passwd <user>@pve` for a pve administrator without a
 * (known) password, after enabling or making one.
 */
import { ROOT_USERID, splitUserId, type UserId } from '../../model/ids.js';
import type { User } from '../../model/user-config.js';
import { PermissionEngine } from '../../permissions/engine.js';
import type { PamSupport } from '../../realms/pam.js';
import type { AccessSnapshot } from '../../store/snapshot.js';
import { fail, ok, warn, type Finding } from './types.js';
import { ROOT_ACL_PATH } from '../../model/acl-path.js';
import { BOOTSTRAP_ADMIN } from '../../services/first-start.js';

function usable(user: User, nowSeconds: number): boolean {
  return user.enable && (user.expire === 0 || user.expire > nowSeconds);
}

function administers(engine: PermissionEngine, userid: UserId): boolean {
  return (
    engine.can(userid, ROOT_ACL_PATH, 'Permissions.Modify') &&
    engine.can(userid, ROOT_ACL_PATH, 'User.Modify')
  );
}

export function breakGlass(
  snapshot: AccessSnapshot,
  now: number,
  pam: PamSupport = { available: true },
): Finding[] {
  const pamAvailable = pam.available;
  const seconds = Math.floor(now / 1000);
  const root = snapshot.users.users.get(ROOT_USERID);
  const ways: string[] = [];
  const notes: string[] = [];
  const noPam = 'cannot log in: PAM support is not installed on this node';
  if (root && usable(root, seconds))
    if (pamAvailable) ways.push(`${ROOT_USERID} (PAM: the node's root account)`);
    else notes.push(`${ROOT_USERID} ${noPam}`);
  else if (root) notes.push(`${ROOT_USERID} is ${root.enable ? 'expired' : 'disabled'}`);
  else notes.push(`${ROOT_USERID} does not exist`);

  const engine = PermissionEngine.compile(snapshot.users);
  const external: string[] = [];
  /** pve administrators a command on the node makes usable again. */
  const blocked: UserId[] = [];
  const passwordless: UserId[] = [];
  for (const user of snapshot.users.users.values()) {
    if (user.userid === ROOT_USERID || !administers(engine, user.userid)) continue;
    const { name, realm } = splitUserId(user.userid);
    if (realm !== 'pve' && realm !== 'pam') {
      if (usable(user, seconds)) external.push(user.userid);
      continue;
    }
    if (!usable(user, seconds)) {
      notes.push(`${user.userid} administers / but is ${user.enable ? 'expired' : 'disabled'}`);
      if (realm === 'pve') blocked.push(user.userid);
      continue;
    }
    if (realm === 'pve' && !snapshot.shadow.has(name)) {
      notes.push(`${user.userid} administers / but has no password`);
      passwordless.push(user.userid);
      continue;
    }
    if (realm === 'pam' && !pamAvailable) {
      notes.push(`${user.userid} administers / but ${noPam}`);
      continue;
    }
    ways.push(`${user.userid} (${realm === 'pve' ? 'password in the store' : 'PAM'})`);
  }
  const others = [
    ...notes,
    ...(external.length > 0 ? [`administrators in external realms: ${external.join(', ')}`] : []),
  ];
  if (ways.length > 0)
    return [
      ok(
        `${ways.join(', ')} can log in without an external realm${others.length > 0 ? ` (${others.join('; ')})` : ''}`,
      ),
    ];
  return [
    fail(
      `no administrator can log in without an external realm: if the directory or the provider is down nobody can log in${others.length > 0 ? ` (${others.join('; ')})` : ''}`,
      [
        ...(pam.available ? [] : [`for ${ROOT_USERID}: ${pam.fix}`]),
        `keep ${ROOT_USERID} enabled (on the node: ${enableCommand(ROOT_USERID)})`,
        ...blocked.map(
          (id) =>
            `enable ${id} on the node: ${enableCommand(id)} (and tessera passwd ${id} if its password is lost)`,
        ),
        ...passwordless.map((id) => `give ${id} a password on the node: tessera passwd ${id}`),
        ...(blocked.length + passwordless.length > 0
          ? []
          : [`make a pve administrator on the node: ${newAdministrator(snapshot)}`]),
      ].join('; or '),
    ),
  ];
}

function enableCommand(userid: UserId): string {
  return `tessera user modify ${userid} --enable 1 --expire 0`;
}

/** The commands that make admin@pve an administrator with a password, on the node. */
function newAdministrator(snapshot: AccessSnapshot): string {
  const admin = BOOTSTRAP_ADMIN;
  return [
    ...(snapshot.users.users.has(admin) ? [] : [`tessera user add ${admin}`]),
    `tessera acl modify / --roles Administrator --users ${admin}`,
    `tessera passwd ${admin}`,
  ].join(', then ');
}

/** `pam`: whether the realm pam can log anyone in here (the binding is optional). */
export function pamCheck(pam: PamSupport): Finding[] {
  if (pam.available) return [ok('the PAM binding (node-linux-pam) is loaded')];
  return [warn(`${pam.reason}: users of the realm pam, root@pam too, cannot log in`, pam.fix)];
}
