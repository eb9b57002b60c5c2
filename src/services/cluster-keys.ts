/**
 * Sharing tickets with a Proxmox VE cluster: its key files taken into the store (by
 * `import`), and followed while `serve --pve-keys <dir>` runs, so that the cluster's daily
 * rotation and the grace period of its old key work on both sides. Tessera never rotates
 * these keys itself: the cluster's nodes do (docs/decisions.md).
 */
import { join } from 'node:path';
import { clusterKeyValues, type ClusterKeyValues } from '../auth/cluster-keys.js';
import { TesseraError } from '../errors.js';
import { KEYS } from '../store/codec.js';
import {
  PVE_KEY_FILES,
  pveKeyStamp,
  readPveKeyFiles,
  type PveKeyFile,
  type PveKeyFiles,
} from '../store/pve-keys.js';
import { commit, type ServiceContext } from './context.js';

function required(dir: string, file: PveKeyFile | undefined, name: string): PveKeyFile {
  if (file === undefined) {
    const path = join(dir, name);
    throw new TesseraError(
      'config_invalid',
      `${path}: missing (the cluster's ticket keys are priv/authkey.key, authkey.pub and pve-www.key)`,
      { field: path },
    );
  }
  return file;
}

/** The cluster's keys in `dir`, checked; every file but authkey.pub.old must be there. */
export async function readClusterKeys(dir: string): Promise<ClusterKeyValues> {
  return checked(dir, await readPveKeyFiles(dir));
}

/**
 * For `import`: the cluster's keys when `dir` has `priv/authkey.key` (a copy made as root),
 * or `undefined` (Tessera keeps its own keys).
 */
export async function readClusterKeysIfAny(dir: string): Promise<ClusterKeyValues | undefined> {
  const files = await readPveKeyFiles(dir);
  return files.privateKey === undefined ? undefined : checked(dir, files);
}

function checked(dir: string, files: PveKeyFiles): ClusterKeyValues {
  return clusterKeyValues({
    privateKey: required(dir, files.privateKey, PVE_KEY_FILES.privateKey),
    publicKey: required(dir, files.publicKey, PVE_KEY_FILES.publicKey),
    siteKey: required(dir, files.siteKey, PVE_KEY_FILES.siteKey),
    ...(files.oldPublicKey !== undefined ? { oldPublicKey: files.oldPublicKey } : {}),
  });
}

/** Writes the cluster's keys where the store's differ; whether anything was written. */
export async function adoptClusterKeys(
  ctx: ServiceContext,
  keys: ClusterKeyValues,
): Promise<boolean> {
  return commit(ctx, 'taking the cluster ticket keys failed', (changes) => {
    const stored = changes.snapshot.serverKeys;
    if (stored.get('ticket') !== keys.ticket) changes.put(KEYS.serverKey('ticket'), keys.ticket);
    if (stored.get('csrf') !== keys.csrf) changes.put(KEYS.serverKey('csrf'), keys.csrf);
    return !changes.empty;
  });
}

export interface FollowOptions {
  /** How often the files' mtimes are compared (Proxmox rotates once a day). */
  readonly intervalMs: number;
  /** A key set that could not be read or taken; the keys in the store stay. */
  readonly onError: (err: unknown) => void;
  /** New keys were taken into the store. */
  readonly onChange?: (keys: ClusterKeyValues) => void;
}

/**
 * Follows the key files of a live directory: takes them at {@link start} (refusing a
 * missing or odd file), then every `intervalMs` when the files changed, or when the store's
 * keys were changed by someone else (a node that does not follow rotated them).
 */
export class ClusterKeyFollower {
  private timer: NodeJS.Timeout | undefined;
  private stamp = '';
  private running: Promise<void> | undefined;
  private failedStamp: string | undefined;
  private current: ClusterKeyValues | undefined;

  constructor(
    private readonly ctx: ServiceContext,
    readonly dir: string,
    private readonly options: FollowOptions,
  ) {}

  /** Reads and takes the keys once; throws what is wrong with them. */
  async start(): Promise<ClusterKeyValues> {
    this.stamp = await pveKeyStamp(this.dir);
    const keys = await readClusterKeys(this.dir);
    await adoptClusterKeys(this.ctx, keys);
    this.current = keys;
    this.timer = setInterval(() => {
      this.running ??= this.check().finally(() => {
        this.running = undefined;
      });
    }, this.options.intervalMs);
    this.timer.unref();
    return keys;
  }

  /** One poll: re-read when the files changed; re-write when the store diverged. */
  async check(): Promise<void> {
    try {
      const stamp = await pveKeyStamp(this.dir);
      if (stamp !== this.stamp) {
        let keys: ClusterKeyValues;
        try {
          keys = await readClusterKeys(this.dir);
        } catch (err) {
          // A rotation caught half-way reads as a mismatch; the next poll sees it done.
          // The same complaint is made once per state of the files.
          if (this.failedStamp !== stamp) this.options.onError(err);
          this.failedStamp = stamp;
          return;
        }
        this.stamp = stamp;
        this.failedStamp = undefined;
        this.current = keys;
      }
      const keys = this.current;
      if (keys !== undefined && (await adoptClusterKeys(this.ctx, keys)))
        this.options.onChange?.(keys);
    } catch (err) {
      this.options.onError(err);
    }
  }

  /** Stops polling and waits for a poll under way. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
