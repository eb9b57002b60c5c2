/**
 * Files named in a realm's settings (`capath`, `cert`, `certkey`), read off the event loop
 * and bounded: a regular file of at most {@link MAX_REALM_FILE_BYTES}, or a directory of at
 * most {@link MAX_CA_FILES} certificate files. Anything else (a device such as /dev/zero, a
 * pipe) is refused at once, with an error naming the setting and the path.
 */
import { constants } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** A certificate bundle of every public CA is about 220 kB. */
export const MAX_REALM_FILE_BYTES = 1024 * 1024;
export const MAX_CA_FILES = 1000;
const MAX_CA_TOTAL_BYTES = 16 * 1024 * 1024;

export class RealmFileError extends Error {}

/**
 * Reads a regular file, refusing anything else or anything longer than `limit`. Opened
 * without blocking (a pipe would otherwise wait for a writer) and checked after opening, so
 * that what is read is what was checked.
 */
export async function readRealmFile(
  setting: string,
  path: string,
  limit = MAX_REALM_FILE_BYTES,
): Promise<Buffer> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    throw new RealmFileError(`${setting} '${path}': ${(err as Error).message}`);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new RealmFileError(`${setting} '${path}' is not a regular file`);
    if (stat.size > limit)
      throw new RealmFileError(
        `${setting} '${path}' is larger than ${String(limit)} bytes (${String(stat.size)})`,
      );
    // The size may have grown since: read one byte more than allowed to notice.
    const buffer = Buffer.alloc(limit + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > limit)
        throw new RealmFileError(`${setting} '${path}' is larger than ${String(limit)} bytes`);
    }
    return buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}

/** CA certificates from a file, or from every `.pem`/`.crt` file of a directory. */
export async function readCaPath(path: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(path, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOTDIR')
      throw new RealmFileError(`capath '${path}': ${(err as Error).message}`);
    return [(await readRealmFile('capath', path)).toString('utf8')];
  }
  const names = entries
    .map((e) => e.name)
    .filter((name) => /\.(pem|crt)$/i.test(name))
    .sort();
  if (names.length > MAX_CA_FILES)
    throw new RealmFileError(
      `capath '${path}' holds ${String(names.length)} certificate files, more than ${String(MAX_CA_FILES)}`,
    );
  const out: string[] = [];
  let total = 0;
  for (const name of names) {
    const text = (await readRealmFile('capath', join(path, name))).toString('utf8');
    total += text.length;
    if (total > MAX_CA_TOTAL_BYTES)
      throw new RealmFileError(
        `capath '${path}' holds more than ${String(MAX_CA_TOTAL_BYTES)} bytes of certificates`,
      );
    out.push(text);
  }
  return out;
}
