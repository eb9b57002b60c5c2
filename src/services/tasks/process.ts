/**
 * This process as a UPID names it: its pid and its start time in clock ticks since boot
 * (Proxmox reads `/proc/<pid>/stat` the same way to tell a running task from a finished one).
 */
import { readFileSync } from 'node:fs';

export interface ProcessIdentity {
  readonly pid: number;
  readonly pstart: number;
}

export function thisProcess(): ProcessIdentity {
  return { pid: process.pid, pstart: processStart() };
}

function processStart(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const start = Number(fields[19]);
    return Number.isSafeInteger(start) && start >= 0 ? start : 0;
  } catch {
    // Not Linux: the UPID's pstart is 0, which only Proxmox's own liveness check would read.
    return 0;
  }
}
