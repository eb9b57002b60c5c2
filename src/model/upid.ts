/**
 * Proxmox's task ids (UPIDs): `UPID:<node>:<pid>:<pstart>:<starttime>:<type>:<id>:<user>:`,
 * the three numbers as upper-case hex of at least 8 digits (pstart may grow to 9 after 497
 * days of uptime). Clients parse them (proxmoxer's `Tasks.decode_upid` splits on the colons),
 * so the text must be exactly Proxmox's.
 */

export interface Upid {
  readonly node: string;
  readonly pid: number;
  /** The process's start time in clock ticks since boot (`/proc/<pid>/stat`, field 22). */
  readonly pstart: number;
  /** Unix seconds. */
  readonly starttime: number;
  readonly type: string;
  /** What the task works on (a realm's name); may be empty. */
  readonly id: string;
  /** The user or API token that started it. */
  readonly user: string;
}

const hex8 = (value: number): string => value.toString(16).toUpperCase().padStart(8, '0');

export function encodeUpid(upid: Upid): string {
  return `UPID:${upid.node}:${hex8(upid.pid)}:${hex8(upid.pstart)}:${hex8(upid.starttime)}:${upid.type}:${upid.id}:${upid.user}:`;
}

// Proxmox's node names are host names; Tessera's `--node-name` also allows dots and
// underscores, and such a node's own UPIDs must read back.
const UPID_PATTERN =
  /^UPID:([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s/]+):([^:\s/]*):([^:\s/]+):$/;

/** The parts of a UPID, or `undefined` when it is not one. */
export function decodeUpid(text: string): Upid | undefined {
  // Bounded before the pattern runs: a UPID is short, a request parameter may not be.
  if (text.length > 512) return undefined;
  const match = UPID_PATTERN.exec(text);
  if (!match) return undefined;
  const [, node, pid, pstart, starttime, type, id, user] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  return {
    node,
    pid: parseInt(pid, 16),
    pstart: parseInt(pstart, 16),
    starttime: parseInt(starttime, 16),
    type,
    id,
    user,
  };
}

/** Proxmox's status classes of a finished task's exit status (`statusfilter`). */
export type TaskStatusType = 'ok' | 'warning' | 'error' | 'unknown';

export function statusType(status: string | undefined): TaskStatusType {
  if (status === undefined || status === '') return 'unknown';
  if (status === 'OK') return 'ok';
  if (/^WARNINGS: \d+$/.test(status)) return 'warning';
  if (status === 'unexpected status') return 'unknown';
  return 'error';
}
