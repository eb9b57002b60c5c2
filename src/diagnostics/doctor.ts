/**
 * `tessera doctor`: checks what a cluster of Tessera nodes needs to let people in, and says
 * for each check ok, warn or fail, with what it found and what fixes it:
 *
 * - `clock_cluster`: the nodes' clocks agree (from the offsets in their heartbeats), and no
 *   node has gone silent;
 * - `clock_sync`: this machine keeps its time synchronised (timedatectl or chronyc);
 * - `store`: the store answers, takes a write (no write without quorum), its etcd members
 *   answer, and every running node follows its changes;
 * - `realm:<id>`: each directory realm binds as its service account (and its certificate
 *   is not about to expire), each OpenID realm's provider answers discovery;
 * - `https_certificate`: the certificate `serve` presents is valid, names this host and the
 *   URL clients use, and is not self-signed;
 * - `webauthn`: the relying party id fits the origin, the origin is a name the certificate
 *   holds, and a registered credential will not meet an untrusted certificate;
 * - `pam`: this node can check PAM passwords (the optional binding is installed);
 * - `break_glass`: someone can log in when every external realm is down;
 * - `failure_spikes`: failed authentications of the last hour, and causes that spiked.
 *
 * Every check runs side by side within a time limit, so doctor answers even when a
 * directory hangs. The clock and the probes (commands, connections) are injectable, so
 * tests decide what the world looks like.
 */
import { isTesseraError } from '../errors.js';
import { assemble } from '../store/assemble.js';
import type { ConfigStore, StoreSnapshot } from '../store/config-store.js';
import type { AccessSnapshot } from '../store/snapshot.js';
import { breakGlass, pamCheck } from './doctor/access.js';
import { clockCluster, clockSync } from './doctor/clock.js';
import { failureSpikes, HOUR_MS } from './doctor/failures.js';
import { defaultProbes } from './doctor/probes.js';
import { realmJobs } from './doctor/realms.js';
import { storeCheck, type StoreRead } from './doctor/store.js';
import { httpsCertificate, loadCertificate, webauthnCheck } from './doctor/tls.js';
import {
  warn,
  worst,
  type CheckJob,
  type CheckStatus,
  type DoctorCheck,
  type DoctorContext,
  type DoctorReport,
  type Finding,
} from './doctor/types.js';
import { duration } from './doctor/words.js';
import { readEvents } from './events.js';
import type { AuthEvent } from '../model/events.js';
import { readHeartbeats, type Heartbeat } from './heartbeat.js';

export type {
  CertificateSource,
  CheckStatus,
  DoctorCheck,
  DoctorContext,
  DoctorOptions,
  DoctorProbes,
  DoctorReport,
  TimeSync,
} from './doctor/types.js';

export const DEFAULT_CHECK_TIMEOUT_MS = 20_000;

/** The exit status of `tessera doctor`: 0 all ok, 1 some warning, 2 some failure. */
export function exitStatus(status: CheckStatus): number {
  return status === 'ok' ? 0 : status === 'warn' ? 1 : 2;
}

/** A store that answers with one snapshot: the readers of events and heartbeats share it. */
function frozen(url: string, snapshot: StoreSnapshot): ConfigStore {
  const refuse = (): Promise<never> =>
    Promise.reject(new Error('doctor reads a snapshot; it does not write through it'));
  return {
    url,
    writable: false,
    snapshot: () => Promise.resolve(snapshot),
    transact: refuse,
    watch: () => () => undefined,
    close: () => Promise.resolve(),
  };
}

function describe(err: unknown): string {
  if (isTesseraError(err)) return err.detail;
  return err instanceof Error ? err.message : String(err);
}

class Timeout extends Error {}

async function within<T>(ms: number, what: string, work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Timeout(`${what} did not finish within ${duration(ms)}`));
    }, ms);
  });
  try {
    return await Promise.race([work(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

const RANK: Readonly<Record<CheckStatus, number>> = { fail: 0, warn: 1, ok: 2 };

/** Runs one job into a check: worst findings first, their fixes once each. */
async function runJob(job: CheckJob, timeoutMs: number): Promise<DoctorCheck> {
  const started = performance.now();
  let findings: readonly Finding[];
  try {
    findings = await within(timeoutMs, 'the check', job.run);
  } catch (err) {
    findings = [
      warn(
        err instanceof Timeout ? `${err.message}: abandoned` : `the check broke: ${describe(err)}`,
      ),
    ];
  }
  const ordered = [...findings].sort((a, b) => RANK[a.status] - RANK[b.status]);
  const fixes = [
    ...new Set(
      ordered.filter((f) => f.status !== 'ok' && f.fix !== undefined).map((f) => f.fix ?? ''),
    ),
  ];
  return {
    id: job.id,
    status: worst(findings.map((f) => f.status)),
    title: job.title,
    evidence: ordered.map((f) => f.text),
    ...(fixes.length > 0 ? { fix: fixes.join('\n') } : {}),
    ms: Math.round(performance.now() - started),
  };
}

const UNREAD = 'not checked: the store could not be read';

export async function runDoctor(context: DoctorContext): Promise<DoctorReport> {
  const clock = context.now ?? Date.now;
  const now = clock();
  const started = performance.now();
  const probes = { ...defaultProbes, ...context.probes };
  const timeoutMs = context.checkTimeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  const { store, options } = context;

  const readStarted = performance.now();
  let read: StoreRead;
  try {
    const snapshot = await within(timeoutMs, 'reading the store', () => store.snapshot());
    read = { snapshot, ms: performance.now() - readStarted };
  } catch (error) {
    read = { error, ms: performance.now() - readStarted };
  }
  let access: AccessSnapshot | undefined;
  let heartbeats: Heartbeat[] = [];
  let events: AuthEvent[] = [];
  if (read.snapshot) {
    const view = frozen(store.url, read.snapshot);
    try {
      access = assemble(read.snapshot);
      heartbeats = await readHeartbeats(view);
      events = await readEvents(view, { since: now - HOUR_MS });
    } catch (error) {
      read = { error, ms: read.ms };
      access = undefined;
    }
  }
  const served = await loadCertificate(context.certificate);
  const pam = probes.pam();
  const needsStore = (run: (snapshot: AccessSnapshot) => Finding[]) => () =>
    Promise.resolve(access ? run(access) : [warn(UNREAD)]);

  const jobs: CheckJob[] = [
    {
      id: 'clock_cluster',
      title: 'Clocks of the cluster nodes',
      run: needsStore(() => clockCluster(heartbeats, now, options.node)),
    },
    {
      id: 'clock_sync',
      title: 'Time synchronisation of this machine',
      run: async () => clockSync(await probes.timeSync()),
    },
    {
      id: 'store',
      title: `Configuration store ${store.url}`,
      run: () => storeCheck(store, read, heartbeats, probes, options.node, now),
    },
    ...(access && options.skipNetwork !== true ? realmJobs(access, probes, now) : []),
    {
      id: 'https_certificate',
      title: 'HTTPS certificate',
      run: () => Promise.resolve(httpsCertificate(served, options, probes.hostname(), now)),
    },
    {
      id: 'webauthn',
      title: 'WebAuthn relying party',
      run: () => Promise.resolve(webauthnCheck(served, options, access)),
    },
    {
      id: 'pam',
      title: 'Linux PAM logins on this node',
      run: () => Promise.resolve(pamCheck(pam)),
    },
    {
      id: 'break_glass',
      title: 'A way in without external realms',
      run: needsStore((snapshot) => breakGlass(snapshot, now, pam)),
    },
    {
      id: 'failure_spikes',
      title: 'Failed authentications',
      run: needsStore(() => failureSpikes(events, now)),
    },
  ];
  const checks = await Promise.all(jobs.map((job) => runJob(job, timeoutMs)));
  return {
    checks,
    status: worst(checks.map((c) => c.status)),
    node: options.node,
    time: now,
    ms: Math.round(performance.now() - started),
  };
}

const PAD = 6;

/** The report for people: a header line per check, its evidence, and the fix. */
export function renderDoctorText(report: DoctorReport): string {
  // eslint-disable-next-line no-control-regex
  const clean = (s: string): string => s.replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, '?');
  const width = Math.max(...report.checks.map((c) => c.id.length));
  const lines: string[] = [];
  for (const check of report.checks) {
    lines.push(`${check.status.padEnd(PAD)}${check.id.padEnd(width)}  ${clean(check.title)}`);
    for (const evidence of check.evidence) lines.push(`${' '.repeat(PAD)}${clean(evidence)}`);
    for (const fix of check.fix?.split('\n') ?? [])
      lines.push(`${' '.repeat(PAD)}fix: ${clean(fix)}`);
  }
  const count = (status: CheckStatus) => report.checks.filter((c) => c.status === status).length;
  lines.push(
    '',
    `doctor on ${report.node}: ${String(count('ok'))} ok, ${String(count('warn'))} warn, ${String(count('fail'))} fail (${duration(report.ms)})`,
  );
  return `${lines.join('\n')}\n`;
}

/** The report for programs: `{checks: [{id, status, title, evidence, fix}], status}`. */
export function doctorJson(report: DoctorReport): {
  checks: {
    id: string;
    status: CheckStatus;
    title: string;
    evidence: readonly string[];
    fix: string | null;
    ms: number;
  }[];
  status: CheckStatus;
  node: string;
  time: number;
  ms: number;
} {
  return {
    checks: report.checks.map((c) => ({
      id: c.id,
      status: c.status,
      title: c.title,
      evidence: c.evidence,
      fix: c.fix ?? null,
      ms: c.ms,
    })),
    status: report.status,
    node: report.node,
    time: report.time,
    ms: report.ms,
  };
}
