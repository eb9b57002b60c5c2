/**
 * `store`: the configuration store answers (the time a full snapshot takes), takes writes
 * (a probe key written and deleted: without quorum etcd refuses it), which etcd members
 * answer, and whether every running node follows the store's changes.
 *
 * A node's heartbeat carries the revision its live view had reached when it wrote it, and
 * the heartbeat key's own revision says where the store was at that moment; the difference
 * is how far the node was behind. Events and heartbeats carry times, so the oldest change the
 * node had not seen says for how long.
 */
import { isTesseraError } from '../../errors.js';
import type { ConfigStore, StoreSnapshot } from '../../store/config-store.js';
import { parseEtcdHosts } from '../../store/etcd.js';
import { EVENT_PREFIX } from '../../store/event-keys.js';
import { NODE_PREFIX, type Heartbeat } from '../heartbeat.js';
import { SILENT_MS } from './clock.js';
import { fail, ok, warn, type DoctorProbes, type Finding } from './types.js';
import { duration, plural } from './words.js';

/** A node this many revisions behind... */
export const LAG_REVISIONS = 10;
/** ...for this long is not following the store. */
export const LAG_MS = 60_000;
/** A snapshot slower than this slows down every command and every start. */
export const SLOW_READ_MS = 2_000;
/** A write slower than this slows down every change and every login that writes. */
export const SLOW_WRITE_MS = 1_000;

export interface StoreRead {
  readonly snapshot?: StoreSnapshot;
  readonly error?: unknown;
  readonly ms: number;
}

function message(err: unknown): string {
  if (isTesseraError(err)) return err.detail;
  return err instanceof Error ? err.message : String(err);
}

function unreachableFix(url: string): string {
  if (url.startsWith('etcd://'))
    return 'check that the etcd members run and that this node reaches them (etcdctl --endpoints ... endpoint health)';
  if (url.startsWith('sqlite:'))
    return 'check the database file, its directory and their permissions (--store sqlite:<file>)';
  if (url.startsWith('pve-dir:'))
    return 'check the directory and its permissions (--store pve-dir:<dir>)';
  return 'check --store';
}

const QUORUM_FIX =
  'bring a majority of the etcd members back (etcdctl endpoint status --cluster); meanwhile logins go on with the last configuration and changes wait';

/**
 * Whether the store takes writes now, asked without writing: doctor leaves the store (and
 * its revision) as it found it.
 */
async function writeCheck(store: ConfigStore): Promise<Finding> {
  if (!store.writable)
    return ok(`read-only by design (${store.url}): the configuration is changed where it lives`);
  const started = performance.now();
  try {
    await store.canWrite?.();
  } catch (err) {
    const took = duration(performance.now() - started);
    if (isTesseraError(err, 'store_read_only'))
      return fail(
        `cluster has no quorum: configuration is read-only (the write check was refused after ${took}${
          message(err).includes('no quorum') ? '' : `: ${message(err)}`
        })`,
        QUORUM_FIX,
      );
    return fail(`write check failed after ${took}: ${message(err)}`, unreachableFix(store.url));
  }
  const ms = performance.now() - started;
  const text = `takes writes (checked without writing) in ${duration(ms)}`;
  return ms > SLOW_WRITE_MS
    ? warn(`${text}: slow`, 'check the store host (disk, load) or the network to the etcd members')
    : ok(text);
}

async function etcdMembers(url: string, probes: DoctorProbes): Promise<Finding[]> {
  const hosts = parseEtcdHosts(url.replace(/^etcd:\/\//, '').replace(/\/$/, ''));
  const members = await probes.etcdMembers(hosts);
  const answered = members.filter((m) => m.answered);
  const findings: Finding[] = members
    .filter((m) => !m.answered)
    .map((m) =>
      warn(
        `etcd member ${m.host} does not answer: ${m.detail}`,
        `start etcd on ${m.host}, or check the network between this node and it`,
      ),
    );
  const leader = answered.find((m) => m.isLeader)?.host;
  const summary = `${String(answered.length)} of ${plural(members.length, 'etcd member')} answer${
    answered.length > 0
      ? ` (${answered.map((m) => `${m.host}: ${m.detail}`).join(', ')}${leader !== undefined ? `; leader ${leader}` : '; no leader'})`
      : ''
  }`;
  if (answered.length * 2 <= members.length)
    findings.unshift(fail(`${summary}: no majority, no quorum`, QUORUM_FIX));
  else findings.unshift(answered.length === members.length ? ok(summary) : warn(summary));
  return findings;
}

/** When each timestamped entry (heartbeats, events) was written, by store revision. */
function timedRevisions(snapshot: StoreSnapshot): { revision: number; time: number }[] {
  const out: { revision: number; time: number }[] = [];
  for (const [key, entry] of snapshot.entries) {
    if (key.startsWith(EVENT_PREFIX)) {
      const time = Number(key.slice(EVENT_PREFIX.length, EVENT_PREFIX.length + 13));
      if (Number.isFinite(time)) out.push({ revision: entry.revision, time });
    } else if (key.startsWith(NODE_PREFIX)) {
      try {
        const time = (JSON.parse(entry.value) as { time?: unknown }).time;
        if (typeof time === 'number') out.push({ revision: entry.revision, time });
      } catch {
        // Not a heartbeat.
      }
    }
  }
  return out;
}

function revisionLag(
  snapshot: StoreSnapshot,
  heartbeats: readonly Heartbeat[],
  now: number,
): Finding[] {
  const running = heartbeats.filter((h) => now - h.time <= SILENT_MS);
  if (running.length === 0) return [];
  const timed = timedRevisions(snapshot);
  const findings: Finding[] = [];
  for (const h of running) {
    const written = snapshot.entries.get(`${NODE_PREFIX}${h.node}`)?.revision;
    if (written === undefined || !Number.isFinite(h.revision)) continue;
    // The store stood at `written - 1` just before the heartbeat went in.
    const lag = written - 1 - h.revision;
    if (lag <= LAG_REVISIONS) continue;
    const unseen = timed
      .filter((t) => t.revision > h.revision && t.revision < written)
      .map((t) => t.time);
    const since = unseen.length > 0 ? Math.min(...unseen) : undefined;
    if (since === undefined || h.time - since <= LAG_MS) continue;
    findings.push(
      warn(
        `node ${h.node} is ${String(lag)} revisions behind the store: its view stood at revision ${String(h.revision)} when it wrote its heartbeat at revision ${String(written)}, missing changes from ${duration(h.time - since)} before`,
        `restart tessera serve on ${h.node} and check its connection to the store (its watch is stuck)`,
      ),
    );
  }
  if (findings.length === 0)
    findings.push(
      ok(
        `${plural(running.length, 'running node')} ${running.length === 1 ? 'follows' : 'follow'} the store (current revision ${String(snapshot.revision)})`,
      ),
    );
  return findings;
}

export async function storeCheck(
  store: ConfigStore,
  read: StoreRead,
  heartbeats: readonly Heartbeat[],
  probes: DoctorProbes,
  node: string,
  now: number,
): Promise<Finding[]> {
  const findings: Finding[] = [];
  const { snapshot } = read;
  if (snapshot === undefined) {
    findings.push(
      fail(
        `cannot read the store ${store.url} (after ${duration(read.ms)}): ${message(read.error)}`,
        unreachableFix(store.url),
      ),
    );
  } else {
    const text = `read ${plural(snapshot.entries.size, 'key')} at revision ${String(snapshot.revision)} in ${duration(read.ms)}`;
    findings.push(
      read.ms > SLOW_READ_MS
        ? warn(`${text}: slow`, 'check the store host (disk, load) or the network to it')
        : ok(text),
    );
    const keys = [...snapshot.entries.keys()];
    if (!keys.some((k) => k.startsWith('users/') || k.startsWith('realms/')))
      findings.push(
        warn(
          `the store is empty: no users and no realms (is --store ${store.url} the right one?)`,
          'name the right store with --store; tessera serve sets up an empty one, tessera import loads a Proxmox directory',
        ),
      );
    findings.push(await writeCheck(store));
  }
  if (store.url.startsWith('etcd://')) findings.push(...(await etcdMembers(store.url, probes)));
  if (snapshot !== undefined) findings.push(...revisionLag(snapshot, heartbeats, now));
  return findings;
}
