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

/**
 * TLS 1.3, and TLS 1.2 with forward secrecy and authenticated encryption only: ECDHE with
 * AES-GCM or ChaCha20-Poly1305. Node's defaults also accept CBC suites with SHA-1 MACs,
 * AES-CCM with 8-byte tags and ARIA; no Proxmox client needs any of them (proxmoxer, the
 * npm proxmox-api client and browsers all offer the suites below). TLS 1.3's CCM suites are
 * left out as well.
 */
export const TLS_SETTINGS = {
  minVersion: 'TLSv1.2',
  ciphers: [
    'TLS_AES_256_GCM_SHA384',
    'TLS_CHACHA20_POLY1305_SHA256',
    'TLS_AES_128_GCM_SHA256',
    'ECDHE-ECDSA-AES256-GCM-SHA384',
    'ECDHE-RSA-AES256-GCM-SHA384',
    'ECDHE-ECDSA-CHACHA20-POLY1305',
    'ECDHE-RSA-CHACHA20-POLY1305',
    'ECDHE-ECDSA-AES128-GCM-SHA256',
    'ECDHE-RSA-AES128-GCM-SHA256',
  ].join(':'),
  honorCipherOrder: true,
} as const;

export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
}

export async function readTls(files: { cert: string; key: string }): Promise<TlsMaterial> {
  return { cert: await readFile(files.cert), key: await readFile(files.key) };
}
