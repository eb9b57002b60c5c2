/**
 * What a backup holds, whatever the store: every key with its value as stored (secrets still
 * sealed), the revision they were read at, and a SHA-256 over them so that a copy damaged on
 * its way is refused before anything is written.
 *
 * A backup of an etcd store (or any store but SQLite) is a text file: one JSON header line
 * `{"format":"tessera-backup","version":1,"source":...,"revision":R,"keys":N,"sha256":...}`,
 * then one line `[key, value]` per key in code point order. The SHA-256 is over those lines
 * exactly. A SQLite backup is a SQLite database carrying the same header fields in a table of
 * its own (sqlite-backup.ts), over the same lines.
 */
import { createHash } from 'node:crypto';
import { rejected, type TesseraError } from '../errors.js';
import { compareCodePoints } from '../model/compare.js';

export const BACKUP_FORMAT = 'tessera-backup';
export const BACKUP_VERSION = 1;

/** Every key of a store at one revision, values as stored. */
export interface BackupContent {
  readonly revision: number;
  readonly entries: ReadonlyMap<string, string>;
}

export interface BackupHeader {
  readonly format: typeof BACKUP_FORMAT;
  readonly version: number;
  /** The store it was taken from, `--store` URL without secrets. */
  readonly source: string;
  readonly revision: number;
  readonly keys: number;
  readonly sha256: string;
  /** ISO 8601. */
  readonly created: string;
}

/** The lines the checksum covers: `[key, value]` in code point order of the keys. */
export function entryLines(entries: ReadonlyMap<string, string>): string {
  return [...entries]
    .sort(([a], [b]) => compareCodePoints(a, b))
    .map((entry) => `${JSON.stringify(entry)}\n`)
    .join('');
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function backupHeader(source: string, content: BackupContent, created: Date): BackupHeader {
  return {
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    source,
    revision: content.revision,
    keys: content.entries.size,
    sha256: sha256(entryLines(content.entries)),
    created: created.toISOString(),
  };
}

export function serializeBackup(source: string, content: BackupContent, created: Date): string {
  return `${JSON.stringify(backupHeader(source, content, created))}\n${entryLines(content.entries)}`;
}

export function damaged(file: string, reason: string): TesseraError {
  return rejected(`backup ${file} is damaged: ${reason}; nothing restored`, 'file');
}

/** Checks a header read from a backup: format, version, and numbers that are numbers. */
export function checkHeader(file: string, raw: unknown): BackupHeader {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw damaged(file, 'the header is not a JSON object');
  const header = raw as Record<string, unknown>;
  if (header['format'] !== BACKUP_FORMAT)
    throw damaged(
      file,
      `expected format "${BACKUP_FORMAT}", found ${JSON.stringify(header['format'])}`,
    );
  if (header['version'] !== BACKUP_VERSION)
    throw rejected(
      `backup ${file} is of version ${JSON.stringify(header['version'])}, this Tessera reads version ${String(BACKUP_VERSION)}; nothing restored`,
      'file',
    );
  for (const field of ['revision', 'keys'] as const) {
    const value = header[field];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
      throw damaged(file, `header field "${field}" must be a whole number`);
  }
  for (const field of ['source', 'sha256', 'created'] as const)
    if (typeof header[field] !== 'string')
      throw damaged(file, `header field "${field}" must be a string`);
  return header as unknown as BackupHeader;
}

/** Compares what was read with what the header promised. */
export function checkContent(
  file: string,
  header: BackupHeader,
  lines: string,
  count: number,
): void {
  if (count !== header.keys)
    throw damaged(
      file,
      `the header promises ${String(header.keys)} keys, it holds ${String(count)}`,
    );
  const actual = sha256(lines);
  if (actual !== header.sha256)
    throw damaged(file, `SHA-256 of its keys is ${actual}, the header says ${header.sha256}`);
}

/** Reads a text backup (not SQLite): header, keys, checksum. */
export function parseBackup(file: string, text: string): BackupContent {
  const newline = text.indexOf('\n');
  if (newline < 0) throw damaged(file, 'it has no header line');
  let raw: unknown;
  try {
    raw = JSON.parse(text.slice(0, newline));
  } catch {
    throw damaged(file, 'the header line is not JSON');
  }
  const header = checkHeader(file, raw);
  const body = text.slice(newline + 1);
  const entries = new Map<string, string>();
  const lines = body === '' ? [] : body.slice(0, body.endsWith('\n') ? -1 : undefined).split('\n');
  lines.forEach((line, index) => {
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch {
      throw damaged(file, `line ${String(index + 2)} is not JSON`);
    }
    if (
      !Array.isArray(entry) ||
      entry.length !== 2 ||
      typeof entry[0] !== 'string' ||
      typeof entry[1] !== 'string'
    )
      throw damaged(file, `line ${String(index + 2)} is not a [key, value] pair of strings`);
    if (entries.has(entry[0])) throw damaged(file, `key ${entry[0]} appears twice`);
    entries.set(entry[0], entry[1]);
  });
  checkContent(file, header, body, entries.size);
  return { revision: header.revision, entries };
}
