/**
 * `clock_cluster` and `clock_sync`: whether the nodes' clocks agree (tickets and TOTP codes
 * made on one node are checked on another), and whether this machine keeps its time
 * synchronised.
 *
 * Each node's heartbeat carries the offsets it observed for its peers (peer clock minus its
 * own, measured when the peer's heartbeat arrived through the watch). A pair is reported
 * once, from its most recent observation, as "X is ahead of Y".
 */
import type { Heartbeat } from '../heartbeat.js';
import { fail, ok, warn, type Finding, type TimeSync } from './types.js';
import { ago, duration, isoTime, plural } from './words.js';

/** Offsets above this are worth a warning: a TOTP step is 30 s, tickets allow little more. */
export const CLOCK_WARN_MS = 2_000;
/** Above this, TOTP codes and tickets made on one node fail on another. */
export const CLOCK_FAIL_MS = 30_000;
/** Heartbeats come every 30 s; one older than this means the node stopped writing them. */
export const SILENT_MS = 120_000;
/** A heartbeat this young was written by a live node, up to clock differences. */
export const FRESH_MS = 40_000;

interface Pair {
  readonly ahead: string;
  readonly behind: string;
  /** Non-negative. */
  readonly offset: number;
  /** How long ago it was observed, as near as the observer's clock lets us tell. */
  readonly ago: number;
}

/**
 * One observation per pair of nodes: the most recent. `seen` is on the observer's clock, so
 * its age is measured against the observer's own heartbeat time, plus that heartbeat's age
 * on this clock (nothing when the observer's clock is ahead of this one).
 */
function pairs(heartbeats: readonly Heartbeat[], now: number): Pair[] {
  const byPair = new Map<string, Pair>();
  for (const observer of heartbeats) {
    for (const [peer, { offset, seen }] of Object.entries(observer.peers)) {
      if (peer === observer.node || !Number.isFinite(offset) || !Number.isFinite(seen)) continue;
      const key = [observer.node, peer].sort().join('\0');
      const ago = Math.max(0, observer.time - seen) + Math.max(0, now - observer.time);
      const pair: Pair =
        offset >= 0
          ? { ahead: peer, behind: observer.node, offset, ago }
          : { ahead: observer.node, behind: peer, offset: -offset, ago };
      const known = byPair.get(key);
      if (!known || pair.ago < known.ago) byPair.set(key, pair);
    }
  }
  return [...byPair.values()].sort((a, b) => b.offset - a.offset);
}

/** The node every off pair involves, when there are at least two such pairs. */
function oddOneOut(off: readonly Pair[]): string | undefined {
  if (off.length < 2) return undefined;
  const [first, ...rest] = off;
  if (!first) return undefined;
  return [first.ahead, first.behind].find((node) =>
    rest.every((p) => p.ahead === node || p.behind === node),
  );
}

export function clockCluster(
  heartbeats: readonly Heartbeat[],
  now: number,
  node: string,
): Finding[] {
  if (heartbeats.length === 0)
    return [
      ok(
        `single node / no heartbeats: no other node's clock to compare (nodes write heartbeats while tessera serve runs; this is ${node})`,
      ),
    ];
  const findings: Finding[] = [];
  const observed = pairs(heartbeats, now);
  const off = observed.filter((p) => p.offset > CLOCK_WARN_MS);
  const odd = oddOneOut(off);
  for (const pair of off) {
    const text = `node ${pair.ahead}'s clock is ${duration(pair.offset)} ahead of ${pair.behind}'s (seen ${duration(pair.ago)} ago)`;
    const culprit =
      odd !== undefined
        ? `${odd} (it differs from every other node)`
        : `${pair.ahead} and ${pair.behind} (run tessera doctor on each: clock_sync)`;
    const fix = `synchronise the clocks (chrony or systemd-timesyncd) on ${culprit}`;
    findings.push(
      pair.offset > CLOCK_FAIL_MS
        ? fail(`${text}: TOTP codes and tickets made on one fail on the other`, fix)
        : warn(text, fix),
    );
  }
  const nodes = new Set(heartbeats.map((h) => h.node));
  if (observed.length === 0)
    findings.push(
      ok(
        heartbeats.length === 1
          ? `single node (${heartbeats[0]?.node ?? ''}): no other node's clock to compare`
          : `${plural(nodes.size, 'node')}, but no node has observed another's clock yet`,
      ),
    );
  else if (off.length === 0) {
    const largest = observed[0];
    findings.push(
      ok(
        `${plural(nodes.size, 'node')}: clocks within ${duration(CLOCK_WARN_MS)} of each other` +
          (largest
            ? ` (largest offset ${duration(largest.offset)}: ${largest.ahead} ahead of ${largest.behind})`
            : ''),
      ),
    );
  }

  const silent = heartbeats.filter((h) => now - h.time > SILENT_MS);
  for (const h of silent)
    findings.push(
      warn(
        `node ${h.node} silent since ${isoTime(h.time)} (${ago(h.time, now)}): its clock and store view are unknown`,
        `start tessera serve on ${h.node}; if it left the cluster for good, delete its heartbeat (key nodes/${h.node})`,
      ),
    );
  const newest = heartbeats.reduce<Heartbeat | undefined>(
    (best, h) => (best === undefined || h.time > best.time ? h : best),
    undefined,
  );
  if (newest !== undefined) {
    const lead = newest.time - now;
    if (lead > CLOCK_FAIL_MS)
      findings.push(
        warn(
          `this machine's clock (${node}) is at least ${duration(lead)} behind ${newest.node}'s: its last heartbeat is dated ${isoTime(newest.time)}, in the future`,
          `synchronise this machine's clock (chrony or systemd-timesyncd), or ${newest.node}'s if it is the one ahead`,
        ),
      );
    else if (silent.length === heartbeats.length && heartbeats.length > 0)
      findings.push(
        warn(
          `every heartbeat is older than ${duration(SILENT_MS)} (newest: ${newest.node}, ${ago(newest.time, now)}): no node is running, or this machine's clock is ahead`,
          "start tessera serve, or check this machine's clock (clock_sync)",
        ),
      );
    else if (now - newest.time <= FRESH_MS)
      findings.push(
        ok(
          `this machine's clock agrees with ${newest.node}'s fresh heartbeat (written ${ago(newest.time, now)})`,
        ),
      );
  }
  return findings;
}

export function clockSync(sync: TimeSync): Finding[] {
  const enable =
    'enable time synchronisation: timedatectl set-ntp true (systemd-timesyncd) or systemctl enable --now chrony';
  if (sync.tool === 'none')
    return [
      warn(
        `cannot tell: no timedatectl/chronyc (${sync.detail})`,
        'install and enable chrony or systemd-timesyncd',
      ),
    ];
  return [
    sync.synchronized
      ? ok(`${sync.tool}: synchronised (${sync.detail})`)
      : warn(
          `${sync.tool}: not synchronised (${sync.detail}): this clock drifts, and TOTP codes and tickets with it`,
          enable,
        ),
  ];
}
