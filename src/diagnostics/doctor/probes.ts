/**
 * The probes doctor uses outside tests: `timedatectl` or `chronyc` for time synchronisation,
 * a real connection and service bind for directories (reading the server's certificate off
 * the TLS socket), OpenID discovery without the login path's cache, and each etcd member's
 * own status.
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { hostname } from 'node:os';
import { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { Etcd3 } from 'etcd3';
import { withDirectory } from '../../realms/ldap.js';
import type { LdapSettings } from '../../realms/ldap-settings.js';
import { discover, type OpenidSettings } from '../../realms/openid.js';
import { pamSupport } from '../../realms/pam.js';
import type {
  CertificateSummary,
  DirectoryAnswer,
  DoctorProbes,
  EtcdMemberStatus,
  TimeSync,
} from './types.js';

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

export function summarize(certificate: X509Certificate): CertificateSummary {
  const line = (name: string) => name.split('\n').filter(Boolean).join(', ');
  return {
    subject: line(certificate.subject),
    issuer: line(certificate.issuer),
    validFrom: Date.parse(certificate.validFrom),
    validTo: Date.parse(certificate.validTo),
  };
}

/** Connects and binds as `withDirectory` does for a login; reads the certificate if TLS. */
export async function directory(settings: LdapSettings): Promise<DirectoryAnswer> {
  return withDirectory(settings, ({ client, server }) => {
    // ldapts keeps its socket private; after ldaps or StartTLS it is a TLS socket.
    const socket = (client as unknown as { socket?: unknown }).socket;
    const peer = socket instanceof TLSSocket ? socket.getPeerX509Certificate() : undefined;
    return Promise.resolve(peer ? { server, certificate: summarize(peer) } : { server });
  });
}

/** Discovery as a login does it (https, plain http only on loopback), but never cached. */
export async function openid(settings: OpenidSettings): Promise<string> {
  const meta = (await discover(settings)).serverMetadata();
  return `issuer ${meta.issuer}, authorization endpoint ${meta.authorization_endpoint ?? 'none'}`;
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
  directory,
  openid,
  etcdMembers,
  pam: pamSupport,
};
