/**
 * The ticket key files of a Proxmox directory (`/etc/pve` layout), as bytes with their
 * mtimes: Proxmox dates its keys by the files' mtimes, so the times matter as much as the
 * contents. What the files mean is auth/cluster-keys.ts's business.
 */
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { TesseraError } from '../errors.js';

/** Below the directory: where Proxmox keeps each key. */
export const PVE_KEY_FILES = {
  privateKey: 'priv/authkey.key',
  publicKey: 'authkey.pub',
  oldPublicKey: 'authkey.pub.old',
  siteKey: 'pve-www.key',
} as const;
type Which = keyof typeof PVE_KEY_FILES;

export interface PveKeyFile {
  readonly path: string;
  readonly bytes: Buffer;
  readonly mtime: number;
}

// Key files are a few KiB; a larger one is not a key, and is not read whole.
const MAX_KEY_FILE_BYTES = 64 * 1024;

/** One key file, or `undefined` when it does not exist; any other failure names the file. */
async function readKeyFile(path: string): Promise<PveKeyFile | undefined> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new TesseraError('config_invalid', `cannot read ${path}: ${(err as Error).message}`, {
      field: path,
      cause: err,
    });
  }
  try {
    // The mtime of the file read, not of one renamed over it meanwhile.
    const info = await handle.stat();
    if (!info.isFile())
      throw new TesseraError('config_invalid', `${path}: expected a file`, { field: path });
    if (info.size > MAX_KEY_FILE_BYTES)
      throw new TesseraError(
        'config_invalid',
        `${path}: expected a key file of at most ${String(MAX_KEY_FILE_BYTES)} bytes, found ${String(info.size)}`,
        { field: path },
      );
    const bytes = await handle.readFile();
    return { path, bytes, mtime: Math.floor(info.mtimeMs / 1000) };
  } catch (err) {
    if (err instanceof TesseraError) throw err;
    throw new TesseraError('config_invalid', `cannot read ${path}: ${(err as Error).message}`, {
      field: path,
      cause: err,
    });
  } finally {
    await handle.close();
  }
}

export type PveKeyFiles = Partial<Record<Which, PveKeyFile>>;

/** Whichever of the key files exist in `dir`. */
export async function readPveKeyFiles(dir: string): Promise<PveKeyFiles> {
  const entries = await Promise.all(
    (Object.entries(PVE_KEY_FILES) as [Which, string][]).map(
      async ([which, file]) => [which, await readKeyFile(join(dir, file))] as const,
    ),
  );
  const files: PveKeyFiles = {};
  for (const [which, file] of entries) if (file !== undefined) files[which] = file;
  return files;
}

/**
 * What changes when Proxmox rewrites a key file (it writes a new file and renames it over
 * the old one): inode, size and mtime of each. Cheap enough to ask every few seconds.
 */
export async function pveKeyStamp(dir: string): Promise<string> {
  const parts = await Promise.all(
    Object.values(PVE_KEY_FILES).map(async (file) => {
      try {
        const info = await stat(join(dir, file), { bigint: true });
        return `${String(info.ino)}/${String(info.size)}/${String(info.mtimeNs)}`;
      } catch (err) {
        return (err as NodeJS.ErrnoException).code ?? 'error';
      }
    }),
  );
  return parts.join(' ');
}
