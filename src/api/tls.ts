/**
 * The HTTPS certificate: the one given with `--cert/--key`, or a self-signed one made on the
 * first start and kept in the data directory (key owner-only), as Proxmox makes its
 * pve-ssl.pem. OpenSSL, which every Debian system has, makes it.
 */
import { execFile } from 'node:child_process';
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Server as TlsServer } from 'node:tls';
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

/**
 * Reads a certificate and its key and checks that they belong together, naming the file at
 * fault: a certificate replaced before its key (or the other way round) must not take the
 * running server down with it.
 */
export async function readCheckedTls(files: { cert: string; key: string }): Promise<TlsMaterial> {
  const material = await readTls(files);
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(material.cert);
  } catch (err) {
    throw new Error(`${files.cert}: not a PEM certificate (${(err as Error).message})`, {
      cause: err,
    });
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(material.key);
  } catch (err) {
    throw new Error(`${files.key}: not a PEM private key (${(err as Error).message})`, {
      cause: err,
    });
  }
  if (!certificate.checkPrivateKey(key))
    throw new Error(`${files.key} is not the key of the certificate in ${files.cert}`);
  return material;
}

/**
 * The server's certificate for new connections from now on; connections already open keep
 * theirs (TLS has no way to change it within one), so none is dropped.
 */
export function useCertificate(server: unknown, material: TlsMaterial): void {
  if (!(server instanceof TlsServer)) throw new Error('the server does not speak HTTPS');
  server.setSecureContext({ ...TLS_SETTINGS, ...material });
}

/** The subject, issuer dates and SHA-256 fingerprint of a PEM certificate, for messages. */
export function describeCertificate(cert: Buffer): string {
  const x509 = new X509Certificate(cert);
  return `${x509.subject.replace(/\n/g, ', ')}, valid until ${new Date(x509.validTo).toISOString()}, SHA-256 ${x509.fingerprint256}`;
}
