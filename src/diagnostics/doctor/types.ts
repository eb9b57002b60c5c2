/**
 * What `tessera doctor` checks with and what it reports: one result per check (ok, warn or
 * fail, with the evidence found and the fix), and the probes that reach outside the process
 * (time synchronisation, directories, OpenID providers, etcd members), which tests replace.
 */
import type { X509Certificate } from 'node:crypto';
import type { LdapSettings } from '../../realms/ldap-settings.js';
import type { PamSupport } from '../../realms/pam.js';
import type { OpenidSettings } from '../../realms/openid.js';
import type { ConfigStore } from '../../store/config-store.js';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface DoctorCheck {
  /** Stable: `clock_cluster`, `clock_sync`, `store`, `realm:<id>`, `https_certificate`, ... */
  readonly id: string;
  readonly status: CheckStatus;
  readonly title: string;
  /** What was found, one finding a line. */
  readonly evidence: readonly string[];
  /** What to do about it; absent when there is nothing to do. */
  readonly fix?: string;
  /** How long the check took. */
  readonly ms: number;
}

export interface DoctorReport {
  readonly checks: readonly DoctorCheck[];
  /** The worst status of all checks. */
  readonly status: CheckStatus;
  readonly node: string;
  /** When the checks ran (Unix ms, by the injected clock). */
  readonly time: number;
  readonly ms: number;
}

/** The options of `serve` that doctor checks against, and doctor's own. */
export interface DoctorOptions {
  /** This node's name in heartbeats and the probe key (default: the host name). */
  readonly node: string;
  /** The URL clients use (`https://pve.example.com:8006`), for the certificate's names. */
  readonly url?: string;
  readonly webauthnRpId?: string;
  readonly webauthnOrigin?: string;
  /** Leaves out the realm checks (connections to directories and OpenID providers). */
  readonly skipNetwork?: boolean;
}

/** Where the certificate that `serve` presents comes from. */
export type CertificateSource =
  /** `--cert <file>` (with `--key <file>`, checked to match). */
  | { readonly kind: 'file'; readonly cert: string; readonly key?: string }
  /** The self-signed certificate `serve` makes and keeps in the data directory. */
  | { readonly kind: 'data-dir'; readonly dir: string }
  /** The certificate the running server presented on this connection (the API route). */
  | { readonly kind: 'served'; readonly certificate: X509Certificate }
  /** `serve --http`, or a request that came over plain HTTP: a proxy terminates TLS. */
  | { readonly kind: 'plain-http' };

export type TimeSync =
  | {
      readonly tool: 'timedatectl' | 'chronyc';
      readonly synchronized: boolean;
      readonly detail: string;
    }
  | { readonly tool: 'none'; readonly detail: string };

/** A TLS certificate as a check reports it. */
export type { CertificateSummary } from '../../realms/certificate.js';
import type { CertificateSummary } from '../../realms/certificate.js';

export interface DirectoryAnswer {
  /** `host:port` of the server that answered. */
  readonly server: string;
  /** The server's certificate when the connection used TLS (ldaps or StartTLS). */
  readonly certificate?: CertificateSummary;
}

export interface EtcdMemberStatus {
  readonly host: string;
  readonly answered: boolean;
  /** The etcd version, or why the member did not answer. */
  readonly detail: string;
  readonly isLeader?: boolean;
}

export interface DoctorProbes {
  timeSync(): Promise<TimeSync>;
  hostname(): string;
  /** Connects and binds as the realm's service account; throws AuthFailure. */
  directory(settings: LdapSettings): Promise<DirectoryAnswer>;
  /** The provider's discovery document; throws AuthFailure. Returns what it found. */
  openid(settings: OpenidSettings): Promise<string>;
  /** Each etcd member's own status (not through quorum). */
  etcdMembers(hosts: readonly string[]): Promise<readonly EtcdMemberStatus[]>;
  /** Whether this node can check PAM passwords (the optional binding loads). */
  pam(): PamSupport;
}

export interface DoctorContext {
  readonly store: ConfigStore;
  readonly options: DoctorOptions;
  readonly certificate: CertificateSource;
  /** Unix ms; injected by tests. */
  readonly now?: () => number;
  readonly probes?: Partial<DoctorProbes>;
  /** The longest one check may take (default 20 s): doctor answers even when a probe hangs. */
  readonly checkTimeoutMs?: number;
}

/** A finding: its status, what it says, and what fixes it (for a warning or a failure). */
export interface Finding {
  readonly status: CheckStatus;
  readonly text: string;
  readonly fix?: string | undefined;
}

/** One check to run: doctor times it, bounds it, and turns its findings into a result. */
export interface CheckJob {
  readonly id: string;
  readonly title: string;
  readonly run: () => Promise<readonly Finding[]>;
}

const RANK: Readonly<Record<CheckStatus, number>> = { ok: 0, warn: 1, fail: 2 };

export function worst(statuses: Iterable<CheckStatus>): CheckStatus {
  let result: CheckStatus = 'ok';
  for (const status of statuses) if (RANK[status] > RANK[result]) result = status;
  return result;
}

export const ok = (text: string): Finding => ({ status: 'ok', text });
export const warn = (text: string, fix?: string): Finding => ({ status: 'warn', text, fix });
export const fail = (text: string, fix?: string): Finding => ({ status: 'fail', text, fix });
