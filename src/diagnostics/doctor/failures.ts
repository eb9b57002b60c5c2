/**
 * `failure_spikes`: the failed authentications of the last hour by cause, and any cause
 * that spiked in the last ten minutes, with the client addresses and users behind it. Most
 * spikes are someone's doing (a guessing run, a script with an old password); some are the
 * system's: an unreachable directory, a store without quorum, a clock ahead.
 */
import type { AuthEvent } from '../../model/events.js';
import { fail, ok, warn, type Finding } from './types.js';
import { duration, plural } from './words.js';

export const HOUR_MS = 3_600_000;
export const SPIKE_WINDOW_MS = 10 * 60_000;
/** More failures of one cause than this within the window is a spike. */
export const SPIKE_COUNT = 20;
/** Spikes of these causes mean the system is broken, not that someone mistyped. */
export const SYSTEM_CAUSES: ReadonlySet<string> = new Set([
  'ldap_unreachable',
  'store_read_only',
  'ticket_not_yet_valid',
]);

function top(values: readonly string[], count = 3): string {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, count)
    .map(([value, n]) => `${value} (${String(n)})`)
    .join(', ');
}

function fixFor(cause: string, events: readonly AuthEvent[]): string {
  const realms = [...new Set(events.map((e) => e.realm).filter((r) => r !== undefined))];
  switch (cause) {
    case 'ldap_unreachable':
    case 'ldap_tls':
    case 'ldap_bind_rejected':
      return `the directory fails for every login: see ${realms.length > 0 ? realms.map((r) => `realm:${r}`).join(', ') : 'the realm checks'}`;
    case 'store_read_only':
      return 'the store has no quorum: see the store check and bring the etcd members back';
    case 'ticket_not_yet_valid':
      return 'tickets come from a node whose clock is ahead: see clock_cluster, and clock_sync on every node';
    case 'ticket_expired':
      return 'clients keep sending old tickets (a script that never renews, or a clock behind): check the addresses named';
    case 'wrong_password':
    case 'unknown_user':
    case 'invalid_username':
    case 'realm_mismatch_suspected':
      return 'a password-guessing run or a client with an old password: check the addresses and users named; serve --throttle bans addresses after repeated failures';
    case 'tfa_wrong_code':
    case 'tfa_locked':
    case 'totp_locked':
      return 'check with the users named; tessera user tfa unlock <userid> once a lockout is explained';
    case 'token_invalid':
    case 'token_unknown':
    case 'token_expired':
      return 'a client uses an API token that is wrong, gone or expired: check the addresses named';
    case 'oidc_discovery_failed':
      return `the OpenID provider fails: see ${realms.length > 0 ? realms.map((r) => `realm:${r}`).join(', ') : 'the realm checks'}`;
    default:
      return `see the audit log for ${cause} (tessera audit)`;
  }
}

export function failureSpikes(events: readonly AuthEvent[], now: number): Finding[] {
  const hour = events.filter((e) => e.time >= now - HOUR_MS && e.time <= now + HOUR_MS);
  const failures = hour.filter((e) => e.outcome === 'failure');
  const successes = hour.length - failures.length;
  if (failures.length === 0)
    return [ok(`no failed authentications in the last hour (${String(successes)} successful)`)];
  const byCause = new Map<string, AuthEvent[]>();
  for (const event of failures) {
    const cause = event.cause ?? 'unknown';
    byCause.set(cause, [...(byCause.get(cause) ?? []), event]);
  }
  const findings: Finding[] = [
    ok(
      `last hour: ${plural(failures.length, 'failure')} (${[...byCause]
        .sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]))
        .map(([cause, list]) => `${cause} ${String(list.length)}`)
        .join(', ')}), ${plural(successes, 'success', 'successes')}`,
    ),
  ];
  for (const [cause, list] of byCause) {
    const recent = list.filter((e) => e.time >= now - SPIKE_WINDOW_MS);
    if (recent.length <= SPIKE_COUNT) continue;
    const nodes = new Set(recent.map((e) => e.node));
    const text =
      `${cause}: ${String(recent.length)} failures in the last ${duration(SPIKE_WINDOW_MS)}, from ${top(recent.map((e) => e.rhost))}; ` +
      `users ${top(recent.map((e) => (e.user === '' ? '(none)' : e.user)))}` +
      (nodes.size > 1 ? `; on nodes ${top(recent.map((e) => e.node))}` : '');
    findings.push(
      SYSTEM_CAUSES.has(cause)
        ? fail(text, fixFor(cause, recent))
        : warn(text, fixFor(cause, recent)),
    );
  }
  return findings;
}
