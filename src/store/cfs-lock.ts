/**
 * The locks of Proxmox's cluster filesystem, as `PVE::Cluster::cfs_lock_file` takes them: a
 * lock is a directory `priv/lock/<lockid>` that `mkdir` creates (it succeeds for one writer
 * only, cluster-wide on pmxcfs), and `rmdir` releases. A writer that finds the lock taken
 * retries every 100 ms until its timeout (10 s by default, as Proxmox's). pmxcfs lets a
 * lock expire 120 s after it was taken, so that a crashed holder does not block the file
 * for ever; Tessera removes a lock that old itself, which is what pmxcfs would do and what a
 * plain directory (no pmxcfs) needs.
 */
import { mkdir, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { TesseraError } from '../errors.js';

/** Proxmox's default time to wait for a lock. */
export const CFS_LOCK_TIMEOUT_MS = 10_000;
/** pmxcfs's CFS_LOCK_TIMEOUT: a lock older than this is stale. */
export const CFS_LOCK_EXPIRY_MS = 120_000;
const RETRY_MS = 100;

/** `user.cfg` -> `file-user_cfg`, `priv/tfa.cfg` -> `file-priv_tfa_cfg`, as cfs_lock_file names them. */
export function fileLockId(file: string): string {
  return `file-${file}`.replace(/[./]/g, '_');
}

export interface CfsLockOptions {
  readonly timeoutMs?: number;
  readonly expiryMs?: number;
  /** Milliseconds since the epoch; injected for tests of the expiry. */
  readonly now?: () => number;
}

/** Errors of a filesystem that takes no writes: pmxcfs without quorum, a read-only mount. */
const READ_ONLY_CODES = new Set(['EACCES', 'EPERM', 'EROFS']);

/**
 * Takes the lock `lockid` below `dir`'s `priv/lock/` and returns its release. Fails with
 * `store_read_only` when the filesystem takes no writes (no quorum), and with `conflict`
 * when another writer holds the lock past the timeout (the caller may try again).
 */
export async function acquireCfsLock(
  dir: string,
  lockid: string,
  options: CfsLockOptions = {},
): Promise<() => Promise<void>> {
  const timeoutMs = options.timeoutMs ?? CFS_LOCK_TIMEOUT_MS;
  const expiryMs = options.expiryMs ?? CFS_LOCK_EXPIRY_MS;
  const now = options.now ?? Date.now;
  const lockDir = join(dir, 'priv', 'lock');
  const path = join(lockDir, lockid);
  await mkdir(lockDir, { recursive: true }).catch(() => undefined);
  if (!(await isDirectory(lockDir)))
    throw new TesseraError(
      'store_unavailable',
      `cfs-lock '${lockid}' error: ${lockDir} is not a directory: ` +
        'the cluster filesystem is not online',
    );
  const start = Date.now();
  for (;;) {
    try {
      await mkdir(path);
      return async () => {
        await rmdir(path).catch(() => undefined);
      };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (READ_ONLY_CODES.has(code))
        throw new TesseraError(
          'store_read_only',
          `cfs-lock '${lockid}' error: ${dir} takes no writes (${code}): ` +
            'the node has no quorum, or the cluster filesystem is not online',
          { cause: err },
        );
      if (code !== 'EEXIST')
        throw new TesseraError(
          'store_unavailable',
          `cfs-lock '${lockid}' error: ${(err as Error).message}`,
          { cause: err },
        );
    }
    if (await expired(path, now(), expiryMs)) {
      // Why: the holder died without releasing it; pmxcfs would drop it after the same time.
      await rmdir(path).catch(() => undefined);
      continue;
    }
    if (Date.now() - start >= timeoutMs)
      throw new TesseraError(
        'conflict',
        `cfs-lock '${lockid}' error: got lock request timeout after ${String(timeoutMs)} ms`,
      );
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function expired(path: string, now: number, expiryMs: number): Promise<boolean> {
  try {
    return now - (await stat(path)).mtimeMs > expiryMs;
  } catch {
    // Released in between: the next mkdir will tell.
    return false;
  }
}

/** Takes the locks in the order given and releases them in reverse, also on failure. */
export async function withCfsLocks<T>(
  dir: string,
  lockids: readonly string[],
  options: CfsLockOptions,
  work: () => Promise<T>,
): Promise<T> {
  const releases: (() => Promise<void>)[] = [];
  try {
    for (const lockid of lockids) releases.push(await acquireCfsLock(dir, lockid, options));
    return await work();
  } finally {
    for (const release of releases.reverse()) await release();
  }
}
