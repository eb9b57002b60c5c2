/** Short-lived self-signed certificates for tests that serve TLS on loopback. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export interface CertificateFiles {
  readonly cert: string;
  readonly key: string;
}

/**
 * Writes `<name>.crt` and `<name>.key` into `dir`: a P-256 key (RSA generation would cost
 * seconds) and a certificate for localhost and 127.0.0.1.
 */
export function selfSignedCertificate(dir: string, name: string, days: number): CertificateFiles {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
      ...['-keyout', key, '-out', cert, '-days', String(days), '-subj', `/CN=${name}`],
      ...['-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
    ],
    { stdio: 'pipe' },
  );
  return { cert, key };
}
