/**
 * The privileges of Proxmox VE 9.1 and the categories its built-in roles are generated
 * from. A privilege is also a bit in a 47-bit mask (see {@link privilegeBit}).
 */

interface Category {
  /** Only root@pam and Administrator hold these. */
  readonly root: readonly string[];
  readonly admin: readonly string[];
  readonly user: readonly string[];
  readonly audit: readonly string[];
}

/** Upstream's privilege groups; roles `PVE<Cat>Admin`, `PVE<Cat>User` and more derive from them. */
export const PRIVILEGE_CATEGORIES = {
  VM: {
    root: [],
    admin: [
      'VM.Config.Disk',
      'VM.Config.CPU',
      'VM.Config.Memory',
      'VM.Config.Network',
      'VM.Config.HWType',
      'VM.Config.Options',
      'VM.Allocate',
      'VM.Clone',
      'VM.GuestAgent.Unrestricted',
      'VM.Migrate',
      'VM.Replicate',
      'VM.Snapshot',
      'VM.Snapshot.Rollback',
    ],
    user: [
      'VM.Config.CDROM',
      'VM.Config.Cloudinit',
      'VM.Console',
      'VM.Backup',
      'VM.GuestAgent.FileRead',
      'VM.GuestAgent.FileSystemMgmt',
      'VM.GuestAgent.FileWrite',
      'VM.PowerMgmt',
    ],
    audit: ['VM.Audit', 'VM.GuestAgent.Audit'],
  },
  Sys: {
    root: ['Sys.PowerMgmt', 'Sys.Modify', 'Sys.Incoming', 'Sys.AccessNetwork'],
    admin: ['Sys.Console', 'Sys.Syslog'],
    user: [],
    audit: ['Sys.Audit'],
  },
  Datastore: {
    root: [],
    admin: ['Datastore.Allocate', 'Datastore.AllocateTemplate'],
    user: ['Datastore.AllocateSpace'],
    audit: ['Datastore.Audit'],
  },
  SDN: {
    root: [],
    admin: ['SDN.Allocate', 'SDN.Audit'],
    user: ['SDN.Use'],
    audit: ['SDN.Audit'],
  },
  User: {
    root: ['Realm.Allocate'],
    admin: ['User.Modify', 'Group.Allocate', 'Realm.AllocateUser'],
    user: [],
    audit: [],
  },
  Pool: {
    root: [],
    admin: ['Pool.Allocate'],
    user: ['Pool.Audit'],
    audit: ['Pool.Audit'],
  },
  Mapping: {
    root: [],
    admin: ['Mapping.Modify'],
    user: ['Mapping.Use'],
    audit: ['Mapping.Audit'],
  },
  // Changing ACLs is reserved to root and Administrator: it is in no category's admin list.
  Permissions: {
    root: ['Permissions.Modify'],
    admin: [],
    user: [],
    audit: [],
  },
} as const satisfies Record<string, Category>;

/** Every privilege, in code-point order; the index is the privilege's bit. */
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

const BITS: ReadonlyMap<string, number> = new Map(PRIVILEGES.map((p, i) => [p, i]));

export function isPrivilege(value: string): value is Privilege {
  return BITS.has(value);
}

/** The bit of a privilege in a {@link PrivilegeMask}. */
export function privilegeBit(privilege: Privilege): number {
  return BITS.get(privilege) ?? -1;
}

/**
 * A set of privileges as two 32-bit words (JavaScript's bitwise operators work on 32 bits;
 * there are 47 privileges). Bits 0..31 are in `lo`, bits 32..46 in `hi`.
 */
export interface PrivilegeMask {
  readonly lo: number;
  readonly hi: number;
}

export function maskOf(privileges: Iterable<Privilege>): PrivilegeMask {
  let lo = 0;
  let hi = 0;
  for (const p of privileges) {
    const bit = privilegeBit(p);
    if (bit < 32) lo |= 1 << bit;
    else hi |= 1 << (bit - 32);
  }
  return { lo: lo >>> 0, hi: hi >>> 0 };
}
