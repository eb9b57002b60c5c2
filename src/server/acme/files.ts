/**
 * The ACME files in the data directory: written owner-only and atomically (a temporary file
 * renamed over the old one), so a reader never sees half a certificate. The key is written
 * before the certificate; after a crash between the two, the pair does not match, the start
 * treats it as no certificate and orders a new one.
 */
import { X509Certificate } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import type { AcmeFiles } from '../../model/acme-files.js';
import { readCheckedTls, type TlsMaterial } from '../../api/tls.js';

export async function writeAtomically(file: string, content: string | Buffer): Promise<void> {
  const temporary = `${file}.${String(process.pid)}.tmp`;
  await writeFile(temporary, content, { mode: 0o600 });
  await rename(temporary, file);
}

/** The account key, made (P-256) by `create` on first use. */
export async function accountKey(files: AcmeFiles, create: () => Promise<Buffer>): Promise<Buffer> {
  try {
    return await readFile(files.accountKey);
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'ENOENT') throw err;
  }
  await mkdir(files.dir, { recursive: true, mode: 0o700 });
  const key = await create();
  await writeAtomically(files.accountKey, key);
  return key;
}

export interface StoredCertificate {
  readonly material: TlsMaterial;
  readonly x509: X509Certificate;
}

/** The stored certificate and key, when both are there and belong together. */
export async function readStored(files: AcmeFiles): Promise<StoredCertificate | undefined> {
  try {
    const material = await readCheckedTls(files);
    return { material, x509: new X509Certificate(material.cert) };
  } catch {
    return undefined;
  }
}

export async function writeStored(files: AcmeFiles, material: TlsMaterial): Promise<void> {
  await mkdir(files.dir, { recursive: true, mode: 0o700 });
  await writeAtomically(files.key, material.key);
  await writeAtomically(files.cert, material.cert);
}

/** The stored certificate if it names every domain and has not expired at `now`. */
export async function readUsable(
  files: AcmeFiles,
  domains: readonly string[],
  now: number,
): Promise<StoredCertificate | undefined> {
  const stored = await readStored(files);
  if (stored === undefined || Date.parse(stored.x509.validTo) <= now) return undefined;
  return domains.every((domain) => stored.x509.checkHost(domain) !== undefined)
    ? stored
    : undefined;
}
