/**
 * The probes doctor uses outside tests: `timedatectl` or `chronyc` for time synchronisation,
 * the realms' own checks (a directory's connection and service bind, an OpenID provider's
 * discovery, whether PAM loads), and each etcd member's own status.
 */
import { execFile } from 'node:child_process';
import { hostname } from 'node:os';
import { promisify } from 'node:util';
import { Etcd3 } from 'etcd3';
import { probeDirectory } from '../../realms/directory.js';
import { probeDiscovery } from '../../realms/openid.js';
import { pamSupport } from '../../realms/pam.js';
import type { DoctorProbes, EtcdMemberStatus, TimeSync } from './types.js';

const run = promisify(execFile);
const COMMAND_TIMEOUT_MS = 3_000;
const ETCD_TIMEOUT_MS = 2_000;

function firstLine(err: unknown): string {
  const stderr = (err as { stderr?: unknown }).stderr;
  const text =
    typeof stderr === 'string' && stderr.trim() !== ''
      ? stderr
      : err instanceof Error
        ? err.message
        : String(err);
  return text.trim().split('\n')[0] ?? '';
}

/** `timedatectl show -p NTPSynchronized --value`, else `chronyc tracking`. */
export async function timeSync(): Promise<TimeSync> {
  const why: string[] = [];
  try {
    const { stdout } = await run('timedatectl', ['show', '-p', 'NTPSynchronized', '--value'], {
      timeout: COMMAND_TIMEOUT_MS,
    });
    const value = stdout.trim();
    if (value === 'yes' || value === 'no')
      return {
        tool: 'timedatectl',
        synchronized: value === 'yes',
        detail: `NTPSynchronized=${value}`,
      };
    why.push(`timedatectl answered '${value}'`);
  } catch (err) {
    why.push(`timedatectl: ${firstLine(err)}`);
  }
  try {
    const { stdout } = await run('chronyc', ['tracking'], { timeout: COMMAND_TIMEOUT_MS });
    const field = (name: string): string | undefined =>
      new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(stdout)?.[1]?.trim();
    const leap = field('Leap status');
    const offset = field('System time');
    if (leap !== undefined)
      return {
        tool: 'chronyc',
        synchronized: leap !== 'Not synchronised',
        detail: `leap status ${leap}${offset !== undefined ? `, system time ${offset}` : ''}`,
      };
    why.push('chronyc tracking printed no leap status');
  } catch (err) {
    why.push(`chronyc: ${firstLine(err)}`);
  }
  return { tool: 'none', detail: why.join('; ') };
}

/** The few words of a gRPC failure that say what happened. */
function grpcReason(err: unknown): string {
  const text = firstLine(err);
  const connect = /connect (E[A-Z]+) ([^\s]+?)\.?(?:\s|$)/.exec(text);
  if (connect) return `connect ${connect[1] ?? ''} ${connect[2] ?? ''}`;
  if (/deadline/i.test(text)) return `no answer within ${String(ETCD_TIMEOUT_MS / 1000)} s`;
  return text;
}

/** Asks every member for its own status (answered without quorum). */
export async function etcdMembers(hosts: readonly string[]): Promise<EtcdMemberStatus[]> {
  const answers = await Promise.all(
    hosts.map(async (host) => {
      const client = new Etcd3({ hosts: `http://${host}`, dialTimeout: ETCD_TIMEOUT_MS });
      try {
        const status = await client.maintenance.status({ deadline: Date.now() + ETCD_TIMEOUT_MS });
        return {
          host,
          answered: true,
          detail: `etcd ${status.version}`,
          leaderId: status.leader,
          memberId: status.header.member_id,
        };
      } catch (err) {
        return { host, answered: false, detail: grpcReason(err), leaderId: '', memberId: '' };
      } finally {
        client.close();
      }
    }),
  );
  return answers.map(({ host, answered, detail, leaderId, memberId }) => ({
    host,
    answered,
    detail,
    ...(answered ? { isLeader: leaderId !== '0' && leaderId === memberId } : {}),
  }));
}

export const defaultProbes: DoctorProbes = {
  timeSync,
  hostname,
  directory: probeDirectory,
  openid: probeDiscovery,
  etcdMembers,
  pam: pamSupport,
};
