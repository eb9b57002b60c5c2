/**
 * What a realm sync changes, decided from the current configuration and what the directory
 * returned, with Proxmox's merge rules: users `*@<realm>` and groups `*-<realm>` are the
 * realm's; a synced user or group is merged into the existing one (or, with
 * `remove-vanished=properties`, replaces it, keeping `enable` and the tokens); new users get
 * `enable-new`; vanished ones lose their ACL entries (`acl`) and are removed (`entry`).
 *
 * Beyond Proxmox: when the directory returned no users at all while the realm has some, the
 * plan refuses to remove anything unless forced, because an empty answer is far more often a
 * broken filter or base DN than a directory that really lost everyone.
 */
import type { GroupId, UserId } from '../model/ids.js';
import type { Group, User, UserConfig } from '../model/user-config.js';
import type { DirectoryGroup, DirectoryUser, SyncedField } from './ldap-sync.js';

export type SyncScope = 'users' | 'groups' | 'both';
export type VanishedRule = 'acl' | 'entry' | 'properties';

export interface SyncOptions {
  readonly scope: SyncScope;
  readonly removeVanished: ReadonlySet<VanishedRule>;
  readonly enableNew: boolean;
  /** Remove vanished entries even when the directory returned no users. */
  readonly force?: boolean;
}

export interface SyncPlan {
  /** Users to write (new or changed). */
  readonly users: readonly User[];
  readonly removedUsers: readonly UserId[];
  /** Users whose ACL entries go (vanished, with `acl`). */
  readonly aclUsers: readonly UserId[];
  readonly groups: readonly Group[];
  readonly removedGroups: readonly GroupId[];
  readonly aclGroups: readonly GroupId[];
  /** What happens, line by line, as Proxmox's task log says it. */
  readonly log: readonly string[];
}

export class SyncRefused extends Error {}

function applyFields(base: User, fields: Partial<Record<SyncedField, string>>): User {
  const user: Record<string, unknown> = { ...base };
  for (const [field, value] of Object.entries(fields)) {
    if (field === 'enable') user['enable'] = value !== '0' && value.toLowerCase() !== 'false';
    else if (field === 'expire') user['expire'] = /^\d+$/.test(value) ? Number(value) : 0;
    else user[field] = value;
  }
  return user as unknown as User;
}

function sameUser(a: User | undefined, b: User): boolean {
  return a !== undefined && JSON.stringify(a) === JSON.stringify(b);
}

export function planSync(
  config: UserConfig,
  realm: string,
  directory: {
    readonly users: readonly DirectoryUser[];
    readonly groups: readonly DirectoryGroup[];
  },
  options: SyncOptions,
): SyncPlan {
  const log: string[] = [];
  const rules = options.removeVanished;
  const removing = rules.has('acl') || rules.has('entry');
  const realmUsers = [...config.users.keys()].filter((u) => u.endsWith(`@${realm}`));
  if (
    options.scope !== 'groups' &&
    removing &&
    directory.users.length === 0 &&
    realmUsers.length > 0 &&
    options.force !== true
  )
    throw new SyncRefused(
      `the directory returned no users while realm '${realm}' has ${String(realmUsers.length)}: ` +
        'refusing to remove them (check base_dn, filter and the bind account, or force the sync)',
    );

  const users: User[] = [];
  const removedUsers: UserId[] = [];
  const aclUsers: UserId[] = [];
  if (options.scope !== 'groups') {
    log.push(
      rules.size > 0
        ? `syncing users (remove-vanished opts: ${[...rules].join(';')})`
        : 'syncing users',
    );
    const vanished = new Set(realmUsers);
    for (const synced of [...directory.users].sort((a, b) => (a.userid < b.userid ? -1 : 1))) {
      const old = config.users.get(synced.userid);
      let next: User;
      if (rules.has('properties') || old === undefined) {
        log.push(old ? `overwriting user '${synced.userid}'` : `adding user '${synced.userid}'`);
        next = applyFields(
          { userid: synced.userid, enable: old?.enable ?? options.enableNew, expire: 0 },
          synced.fields,
        );
        // Proxmox keeps `enable` of an existing user whatever the directory says.
        if (old) next = { ...next, enable: old.enable };
      } else {
        next = applyFields(old, synced.fields);
        log.push(`updated user '${synced.userid}'`);
      }
      if (!sameUser(old, next)) users.push(next);
      vanished.delete(synced.userid);
    }
    for (const userid of [...vanished].sort()) {
      if (rules.has('acl')) {
        log.push(`purged user '${userid}' and all its ACL entries`);
        aclUsers.push(userid);
      }
      if (rules.has('entry')) {
        log.push(`remove user '${userid}'`);
        removedUsers.push(userid);
      }
    }
  }

  const groups: Group[] = [];
  const removedGroups: GroupId[] = [];
  const aclGroups: GroupId[] = [];
  if (options.scope !== 'users') {
    log.push(
      rules.size > 0
        ? `syncing groups (remove-vanished opts: ${[...rules].join(';')})`
        : 'syncing groups',
    );
    const vanished = new Set([...config.groups.keys()].filter((g) => g.endsWith(`-${realm}`)));
    const gone = new Set(removedUsers);
    for (const synced of [...directory.groups].sort((a, b) => (a.groupid < b.groupid ? -1 : 1))) {
      const old = config.groups.get(synced.groupid);
      const members = new Set(synced.members.filter((m) => !gone.has(m)));
      if (rules.has('properties') || old === undefined)
        log.push(
          old ? `overwriting group '${synced.groupid}'` : `adding group '${synced.groupid}'`,
        );
      else log.push(`updated group '${synced.groupid}'`);
      const next: Group =
        rules.has('properties') || old === undefined
          ? { groupid: synced.groupid, members }
          : { ...old, members };
      const unchanged =
        old !== undefined &&
        old.comment === next.comment &&
        old.members.size === members.size &&
        [...members].every((m) => old.members.has(m));
      if (!unchanged) groups.push(next);
      vanished.delete(synced.groupid);
    }
    for (const groupid of [...vanished].sort()) {
      if (rules.has('acl')) {
        log.push(`purged group '${groupid}' and all its ACL entries`);
        aclGroups.push(groupid);
      }
      if (rules.has('entry')) {
        log.push(`remove group '${groupid}'`);
        removedGroups.push(groupid);
      }
    }
  }
  return { users, removedUsers, aclUsers, groups, removedGroups, aclGroups, log };
}

/** `remove-vanished` as Proxmox writes it: `acl;entry;properties`, or `none`. */
export function parseRemoveVanished(value: string | undefined): Set<VanishedRule> | undefined {
  if (value === undefined || value === '' || value === 'none') return new Set();
  const rules = value.split(';').map((r) => r.trim());
  if (!rules.every((r): r is VanishedRule => r === 'acl' || r === 'entry' || r === 'properties'))
    return undefined;
  return new Set(rules);
}
