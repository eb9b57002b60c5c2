/**
 * Reading a directory's users and groups for a realm sync, as Proxmox does, from `base_dn` or
 * the base the directory names (directory.ts): users are the
 * entries of the configured object classes (and filter) that have the user attribute; groups
 * those of the group classes (and group filter) under `group_dn`, named by
 * `group_name_attr` or their first RDN value, with `-<realm>` appended. Members are matched to
 * the synced users by DN. Names that are not valid ids are skipped with a warning.
 */
import type { Entry } from 'ldapts';
import { asGroupId, asUserId, type GroupId, type UserId } from '../model/ids.js';
import type { LdapSettings } from './ldap-settings.js';
import { AuthFailure } from '../errors.js';
import { escapeFilterValue, withDirectory } from './directory.js';

export type SyncedField =
  'enable' | 'expire' | 'firstname' | 'lastname' | 'email' | 'comment' | 'keys';

export interface DirectoryUser {
  readonly userid: UserId;
  readonly dn: string;
  readonly fields: Partial<Record<SyncedField, string>>;
}

export interface DirectoryGroup {
  readonly groupid: GroupId;
  readonly dn: string;
  readonly members: readonly UserId[];
}

export interface DirectoryContents {
  readonly users: readonly DirectoryUser[];
  readonly groups: readonly DirectoryGroup[];
  readonly warnings: readonly string[];
}

function values(entry: Entry, attr: string): string[] {
  const key = Object.keys(entry).find((k) => k.toLowerCase() === attr.toLowerCase());
  const value = key === undefined ? undefined : entry[key];
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((v) => (typeof v === 'string' ? v : v.toString('utf8')));
}

/** DNs compare without case and without spaces around separators. */
export function normalizeDn(dn: string): string {
  return dn
    .split(/(?<!\\),/)
    .map((rdn) =>
      rdn
        .trim()
        .replace(/\s*=\s*/, '=')
        .toLowerCase(),
    )
    .join(',');
}

function classFilter(classes: readonly string[]): string {
  const each = classes.map((c) => `(objectclass=${escapeFilterValue(c)})`).join('');
  return classes.length === 1 ? each : `(|${each})`;
}

function wrap(filter: string | undefined): string {
  if (filter === undefined || filter.trim() === '') return '';
  const trimmed = filter.trim();
  return /^\(.*\)$/s.test(trimmed) ? trimmed : `(${trimmed})`;
}

function firstRdnValue(dn: string): string {
  const rdn = dn.split(/(?<!\\),/)[0] ?? '';
  return rdn.slice(rdn.indexOf('=') + 1).trim();
}

// Control characters would break user.cfg lines; such values are not taken over.
const CONTROL = /\p{Cc}/u;

export async function readDirectory(
  settings: LdapSettings,
  scope: 'users' | 'groups' | 'both',
): Promise<DirectoryContents> {
  return withDirectory(settings, async ({ client, server, baseDn }) => {
    if (baseDn === undefined)
      throw new AuthFailure(
        `realm '${settings.realm}' has no base_dn, and ${server} names no defaultNamingContext to sync from`,
        'ldap_error',
      );
    const warnings: string[] = [];
    const search = async (base: string, filter: string, attributes: string[]) => {
      try {
        return (
          await client.search(base, { scope: 'sub', filter, attributes, paged: { pageSize: 500 } })
        ).searchEntries;
      } catch (err) {
        throw new AuthFailure(
          `LDAP server ${server}: search under '${base}' failed: ${err instanceof Error ? err.message : String(err)}`,
          'ldap_error',
        );
      }
    };
    const attributes = [settings.userAttr, ...settings.syncAttributes.keys()];
    const entries = await search(
      baseDn,
      `(&${classFilter(settings.userClasses)}${wrap(settings.filter)}(${settings.userAttr}=*))`,
      attributes,
    );
    const users: DirectoryUser[] = [];
    const byDn = new Map<string, UserId>();
    for (const entry of entries) {
      let name = values(entry, settings.userAttr)[0];
      if (name === undefined) continue;
      if (!settings.caseSensitive) name = name.toLowerCase();
      const userid = asUserId(`${name}@${settings.realm}`);
      if (userid === undefined) {
        warnings.push(`skipping user '${name}': not a valid user name`);
        continue;
      }
      const fields: Partial<Record<SyncedField, string>> = {};
      for (const [attr, field] of settings.syncAttributes) {
        const value = values(entry, attr)[0];
        if (value === undefined) continue;
        if (CONTROL.test(value)) {
          warnings.push(`user '${userid}': ignoring ${field} with control characters`);
          continue;
        }
        fields[field as SyncedField] = value;
      }
      users.push({ userid, dn: entry.dn, fields });
      byDn.set(normalizeDn(entry.dn), userid);
    }
    const groups: DirectoryGroup[] = [];
    if (scope !== 'users') {
      const groupAttrs = [
        'member',
        'uniqueMember',
        ...(settings.groupNameAttr ? [settings.groupNameAttr] : []),
      ];
      const found = await search(
        settings.groupDn ?? baseDn,
        `(&${classFilter(settings.groupClasses)}${wrap(settings.groupFilter)})`,
        groupAttrs,
      );
      for (const entry of found) {
        const name =
          (settings.groupNameAttr ? values(entry, settings.groupNameAttr)[0] : undefined) ??
          firstRdnValue(entry.dn);
        const groupid = asGroupId(`${name.trim()}-${settings.realm}`);
        if (groupid === undefined) {
          warnings.push(`skipping group '${name}': not a valid group name`);
          continue;
        }
        const members = [...values(entry, 'member'), ...values(entry, 'uniqueMember')]
          .map((dn) => byDn.get(normalizeDn(dn)))
          .filter((u): u is UserId => u !== undefined);
        groups.push({ groupid, dn: entry.dn, members: [...new Set(members)] });
      }
    }
    return { users, groups, warnings };
  });
}
