/**
 * The HTTPS certificate: the one given with `--cert/--key`, or a self-signed one made on the
 * first start and kept in the data directory (key owner-only), as Proxmox makes its
 * pve-ssl.pem. OpenSSL, which every Debian system has, makes it.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface TlsFiles {
  readonly cert: string;
  readonly key: string;
  readonly generated: boolean;
}

export async function ensureCertificate(dataDir: string): Promise<TlsFiles> {
  const cert = join(dataDir, 'tessera.crt');
  const key = join(dataDir, 'tessera.key');
  if (existsSync(cert) && existsSync(key)) return { cert, key, generated: false };
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const host = hostname();
  await promisify(execFile)('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '825',
    '-subj',
    `/CN=${host}`,
    '-addext',
    `subjectAltName=DNS:${host},DNS:localhost,IP:127.0.0.1,IP:::1`,
  ]);
  await chmod(key, 0o600);
  return { cert, key, generated: true };
}

export async function readTls(files: {
  cert: string;
  key: string;
}): Promise<{ cert: Buffer; key: Buffer }> {
  return { cert: await readFile(files.cert), key: await readFile(files.key) };
}
