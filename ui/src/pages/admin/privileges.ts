/**
 * The 47 privileges of Proxmox VE 9.1 (a copy of src/model/privileges.ts: the browser does not
 * import server code), and their grouping by prefix for the privilege picker.
 */
export const PRIVILEGES = [
  'Datastore.Allocate',
  'Datastore.AllocateSpace',
  'Datastore.AllocateTemplate',
  'Datastore.Audit',
  'Group.Allocate',
  'Mapping.Audit',
  'Mapping.Modify',
  'Mapping.Use',
  'Permissions.Modify',
  'Pool.Allocate',
  'Pool.Audit',
  'Realm.Allocate',
  'Realm.AllocateUser',
  'SDN.Allocate',
  'SDN.Audit',
  'SDN.Use',
  'Sys.AccessNetwork',
  'Sys.Audit',
  'Sys.Console',
  'Sys.Incoming',
  'Sys.Modify',
  'Sys.PowerMgmt',
  'Sys.Syslog',
  'User.Modify',
  'VM.Allocate',
  'VM.Audit',
  'VM.Backup',
  'VM.Clone',
  'VM.Config.CDROM',
  'VM.Config.CPU',
  'VM.Config.Cloudinit',
  'VM.Config.Disk',
  'VM.Config.HWType',
  'VM.Config.Memory',
  'VM.Config.Network',
  'VM.Config.Options',
  'VM.Console',
  'VM.GuestAgent.Audit',
  'VM.GuestAgent.FileRead',
  'VM.GuestAgent.FileSystemMgmt',
  'VM.GuestAgent.FileWrite',
  'VM.GuestAgent.Unrestricted',
  'VM.Migrate',
  'VM.PowerMgmt',
  'VM.Replicate',
  'VM.Snapshot',
  'VM.Snapshot.Rollback',
] as const;

export type Privilege = (typeof PRIVILEGES)[number];

/** The privileges by their first segment (`VM`, `Sys`, ...), prefixes in alphabetical order. */
export function privilegeGroups(
  privileges: readonly string[] = PRIVILEGES,
): [prefix: string, members: string[]][] {
  const groups = new Map<string, string[]>();
  for (const privilege of privileges) {
    const prefix = privilege.split('.')[0] ?? privilege;
    const members = groups.get(prefix) ?? [];
    members.push(privilege);
    groups.set(prefix, members);
  }
  return [...groups].sort(([a], [b]) => a.localeCompare(b));
}
