/**
 * `pve-dir:<dir>[?state=<file>]`: live mode on a node's /etc/pve. The access configuration
 * stays in Proxmox's own files, read and written in place next to pveum and the GUI;
 * Tessera's own keys (events, sessions, tasks, server keys, ...), which no Proxmox file can
 * hold, live in a sidecar store (a sealed SQLite file, `pve-state.db` in the data directory
 * unless `state=` names one, created by the first write). One ConfigStore over both, with
 * one revision counter of this process:
 *
 * - A file key's revision is the counter's value when this process first saw the key's
 *   current content, so equal revisions mean equal content: a change pveum made between a
 *   read and a write shows up as a new revision when the files are read again.
 * - A transaction takes Proxmox's cfs locks of the files it reads or writes (cfs-lock.ts),
 *   reads the files again under them and checks every condition there, writes each changed
 *   file whole beside itself, commits the sidecar part, then renames the files in place.
 * - Changes made by others are seen through fs.watch where the filesystem reports them and
 *   a poll of the files' contents (pmxcfs's FUSE mount reports nothing to inotify), and
 *   through the sidecar's own watch.
 */
import { watch as watchFs, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { TesseraError } from '../errors.js';
import { formatDiagnostic, type Diagnostic } from '../formats/diagnostics.js';
import { withCfsLocks, type CfsLockOptions } from './cfs-lock.js';
import {
  lastOperationPerKey,
  type Change,
  type ChangeBatch,
  type Condition,
  type ConfigStore,
  type Operation,
  type StoreEntry,
  type StoreSnapshot,
  type WatchListener,
} from './config-store.js';
import { encodeAccessConfig } from './encode.js';
import { conflictError } from './memory.js';
import {
  assertProxmoxReadable,
  fileOfKey,
  isSettingOfFilesKept,
  locksFor,
  renderFiles,
  SETTINGS_OF_FILES,
  stageFiles,
} from './pve-files.js';
import { PVE_FILES, PveDirStore } from './pve-dir.js';

export interface PveLiveOptions {
  /** Unix seconds, for the TFA lock expiry the tfa.cfg parser applies; injected for tests. */
  readonly now?: () => number;
  /** How often the files are read for changes made by others (default 500 ms). */
  readonly pollMs?: number;
  readonly lock?: CfsLockOptions;
  /** How many change batches a late watcher can be replayed (default 1000). */
  readonly historyBatches?: number;
}

interface SidecarEntry {
  readonly value: string;
  /** This store's revision of the key. */
  readonly revision: number;
  /** The sidecar's own revision of the key, for conditions passed on to it. */
  readonly stateRevision: number;
}

export class PveLiveStore implements ConfigStore {
  readonly url: string;
  readonly writable = true;
  readonly plainTokenSecrets = true;
  private readonly files: PveDirStore;
  private readonly pollMs: number;
  private readonly lockOptions: CfsLockOptions;
  private readonly historyBatches: number;
  private revision = 0;
  private loaded = false;
  private texts = new Map<string, string | undefined>();
  private fileEntries = new Map<string, StoreEntry>();
  private diagnostics: Diagnostic[] = [];
  private readonly sidecar = new Map<string, SidecarEntry>();
  /** The sidecar revision of the latest change of each key seen, deletes included. */
  private readonly sidecarSeen = new Map<string, number>();
  /** The newest sidecar revision read whole. */
  private sidecarHead = 0;
  private readonly history: ChangeBatch[] = [];
  private readonly listeners = new Set<WatchListener>();
  private queue: Promise<unknown> = Promise.resolve();
  private following: (() => void) | undefined;
  private closed = false;

  constructor(
    readonly dir: string,
    private readonly state: ConfigStore,
    options: PveLiveOptions = {},
  ) {
    this.url = `pve-dir:${dir}?state=${state.url.replace(/^sqlite:/, '')}`;
    this.files = new PveDirStore(dir, options.now !== undefined ? { now: options.now } : {});
    this.pollMs = options.pollMs ?? 500;
    this.lockOptions = options.lock ?? {};
    this.historyBatches = options.historyBatches ?? 1000;
  }

  snapshot(): Promise<StoreSnapshot> {
    return this.serial(async () => {
      await this.refreshFiles();
      await this.refreshSidecar();
      const entries = new Map<string, StoreEntry>(this.fileEntries);
      for (const [key, { value, revision }] of this.sidecar) entries.set(key, { value, revision });
      return { revision: this.revision, entries, diagnostics: [...this.diagnostics] };
    });
  }

  transact(conditions: readonly Condition[], operations: readonly Operation[]): Promise<number> {
    return this.serial(async () => {
      if (!this.loaded) await this.refreshSidecar();
      const ops = lastOperationPerKey(operations).filter(
        (op) => !isSettingOfFilesKept(op.key, op.op === 'put' ? op.value : undefined),
      );
      for (const op of ops) if (op.op === 'put') assertProxmoxReadable(op.key, op.value);
      const written = new Set<string>();
      for (const op of ops) {
        const file = fileOfKey(op.key);
        if (file !== undefined) written.add(file);
      }
      const read = new Set(written);
      for (const condition of conditions) {
        const file = fileOfKey(condition.key);
        if (file !== undefined) read.add(file);
      }
      return withCfsLocks(this.dir, locksFor(read), this.lockOptions, () =>
        this.commit(conditions, ops, written),
      );
    });
  }

  /** The transaction, under the cfs locks of every file it reads or writes. */
  private async commit(
    conditions: readonly Condition[],
    ops: readonly Operation[],
    written: ReadonlySet<string>,
  ): Promise<number> {
    // Why: pveum may have changed a file since the caller's snapshot; only what is on disk
    // now, under the lock, decides whether the conditions hold.
    await this.refreshFiles();
    const sidecarConditions: Condition[] = [];
    for (const condition of conditions) {
      if (fromFiles(condition.key)) {
        const current = this.fileEntries.get(condition.key)?.revision ?? 0;
        if (current !== condition.revision) throw conflictError(condition.key);
        continue;
      }
      const kept = this.sidecar.get(condition.key);
      if ((kept?.revision ?? 0) !== condition.revision) throw conflictError(condition.key);
      sidecarConditions.push({ key: condition.key, revision: kept?.stateRevision ?? 0 });
    }
    this.refuseDamaged(written);
    const next = new Map(this.fileEntries);
    const sidecarOps: Operation[] = [];
    for (const op of ops) {
      if (fileOfKey(op.key) === undefined) sidecarOps.push(op);
      else if (op.op === 'put') next.set(op.key, { value: op.value, revision: 0 });
      else next.delete(op.key);
    }
    const staged = await stageFiles(this.dir, renderFiles(next, written));
    let stateRevision: number | undefined;
    try {
      if (sidecarOps.length > 0 || sidecarConditions.length > 0)
        stateRevision = await this.state.transact(sidecarConditions, sidecarOps);
    } catch (err) {
      await staged.abort();
      throw err;
    }
    await staged.commit();
    const revision = ++this.revision;
    const changes: Change[] = [];
    for (const op of ops) {
      const value = op.op === 'put' ? op.value : undefined;
      changes.push({ key: op.key, value });
      if (fileOfKey(op.key) !== undefined) {
        if (value === undefined) this.fileEntries.delete(op.key);
        else this.fileEntries.set(op.key, { value, revision });
      } else if (stateRevision !== undefined) {
        this.sidecarSeen.set(op.key, stateRevision);
        if (value === undefined) this.sidecar.delete(op.key);
        else this.sidecar.set(op.key, { value, revision, stateRevision });
      }
    }
    this.publish({ revision, changes });
    // The files as written may read back other than the operations said (a realm's position
    // in domains.cfg): what is on disk is the truth, and any difference a new revision. The
    // change is committed whatever this read meets; the next poll reads again.
    await this.refreshFiles().catch(() => undefined);
    return revision;
  }

  /** Why: rewriting a file whose lines could not be parsed would drop those lines. */
  private refuseDamaged(written: ReadonlySet<string>): void {
    const damaged = this.diagnostics.filter(
      (d) => d.severity === 'error' && [...written].some((file) => d.file.endsWith(file)),
    );
    if (damaged.length > 0)
      throw new TesseraError(
        'config_invalid',
        `not writing ${[...new Set(damaged.map((d) => d.file))].join(', ')} in ${this.dir}: ` +
          `fix the file first\n${damaged.map((d) => `  ${formatDiagnostic(d)}`).join('\n')}`,
      );
  }

  watch(fromRevision: number, listener: WatchListener): () => void {
    const oldest = this.history[0]?.revision ?? this.revision + 1;
    if (fromRevision < this.revision && fromRevision + 1 < oldest) {
      queueMicrotask(() => {
        listener.onReset(`changes before revision ${String(oldest)} are no longer kept`);
      });
    } else {
      const missed = this.history.filter((batch) => batch.revision > fromRevision);
      queueMicrotask(() => {
        for (const batch of missed) listener.onChanges(batch);
      });
    }
    this.listeners.add(listener);
    this.follow();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.unfollow();
    };
  }

  canWrite(): Promise<void> {
    return this.serial(async () => {
      // The locks are what a write needs first, and what no quorum refuses.
      await withCfsLocks(this.dir, locksFor(PVE_FILES), this.lockOptions, () => Promise.resolve());
      await this.state.canWrite?.();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unfollow();
    this.listeners.clear();
    await this.queue;
    await this.state.close();
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private publish(batch: ChangeBatch): void {
    this.history.push(batch);
    if (this.history.length > this.historyBatches) this.history.shift();
    for (const listener of this.listeners)
      queueMicrotask(() => {
        listener.onChanges(batch);
      });
  }

  /** Reads the files; publishes what changed since the last read as one revision. */
  private async refreshFiles(): Promise<void> {
    const texts = await this.files.readTexts();
    if (sameTexts(texts, this.texts)) return;
    this.texts = texts;
    const { config, diagnostics } = this.files.parse(texts);
    this.diagnostics = diagnostics;
    const now = encodeAccessConfig(config);
    for (const [key, value] of SETTINGS_OF_FILES) now.set(key, value);
    const changes: Change[] = [];
    for (const [key, value] of now)
      if (this.fileEntries.get(key)?.value !== value) changes.push({ key, value });
    for (const key of this.fileEntries.keys())
      if (!now.has(key)) changes.push({ key, value: undefined });
    if (changes.length === 0) return;
    const revision = ++this.revision;
    for (const { key, value } of changes) {
      if (value === undefined) this.fileEntries.delete(key);
      else this.fileEntries.set(key, { value, revision });
    }
    this.publish({ revision, changes });
  }

  /** Reads the whole sidecar; publishes what this process had not seen yet. */
  private async refreshSidecar(): Promise<void> {
    const snapshot = await this.state.snapshot();
    const changes: [string, string | undefined, number][] = [];
    for (const [key, entry] of snapshot.entries) changes.push([key, entry.value, entry.revision]);
    for (const key of this.sidecar.keys())
      if (!snapshot.entries.has(key)) changes.push([key, undefined, snapshot.revision]);
    this.applySidecar(changes);
    this.sidecarHead = Math.max(this.sidecarHead, snapshot.revision);
    this.loaded = true;
  }

  private applySidecar(changes: readonly [string, string | undefined, number][]): void {
    const fresh: [string, string | undefined, number][] = [];
    for (const change of changes) {
      const [key, , stateRevision] = change;
      if (SETTINGS_OF_FILES.has(key)) continue;
      // Why: a batch another process committed before one of ours can arrive after it.
      if ((this.sidecarSeen.get(key) ?? 0) >= stateRevision) continue;
      this.sidecarSeen.set(key, stateRevision);
      fresh.push(change);
    }
    const published: Change[] = [];
    const revision = this.revision + 1;
    for (const [key, value, stateRevision] of fresh) {
      const kept = this.sidecar.get(key);
      if (value === undefined) {
        if (kept === undefined) continue;
        this.sidecar.delete(key);
      } else if (kept?.value === value) {
        this.sidecar.set(key, { ...kept, stateRevision });
        continue;
      } else {
        this.sidecar.set(key, { value, revision, stateRevision });
      }
      published.push({ key, value });
    }
    if (published.length === 0) return;
    this.revision = revision;
    this.publish({ revision, changes: published });
  }

  private follow(): void {
    if (this.following !== undefined || this.closed) return;
    const refresh = (): void => {
      if (this.closed) return;
      this.serial(async () => this.refreshFiles()).catch(() => {
        // Unreadable for a moment (pmxcfs restarting): the next poll tries again.
      });
    };
    const watchers: FSWatcher[] = [];
    for (const path of [this.dir, join(this.dir, 'priv')]) {
      try {
        watchers.push(watchFs(path, { persistent: false }, refresh));
      } catch {
        // No inotify here (pmxcfs): the poll alone notices changes.
      }
    }
    for (const watcher of watchers) watcher.on('error', () => undefined);
    const poller = setInterval(refresh, this.pollMs);
    poller.unref();
    const stopSidecar = this.state.watch(this.sidecarRevision(), {
      onChanges: (batch) => {
        void this.serial(() => {
          this.applySidecar(batch.changes.map((c) => [c.key, c.value, batch.revision]));
          return Promise.resolve();
        });
      },
      onReset: () => {
        this.serial(async () => this.refreshSidecar()).catch(() => undefined);
      },
    });
    this.following = () => {
      clearInterval(poller);
      for (const watcher of watchers) watcher.close();
      stopSidecar();
    };
  }

  private unfollow(): void {
    this.following?.();
    this.following = undefined;
  }

  private sidecarRevision(): number {
    let max = this.sidecarHead;
    for (const seen of this.sidecarSeen.values()) if (seen > max) max = seen;
    return max;
  }
}

/** Keys whose entries come from the files (and their revisions from this process's reads). */
function fromFiles(key: string): boolean {
  return fileOfKey(key) !== undefined || SETTINGS_OF_FILES.has(key);
}

function sameTexts(
  a: ReadonlyMap<string, string | undefined>,
  b: ReadonlyMap<string, string | undefined>,
): boolean {
  if (a.size !== b.size) return false;
  for (const [file, text] of a) if (!b.has(file) || b.get(file) !== text) return false;
  return true;
}
