/**
 * Where an ACME certificate lives in the data directory: `serve` writes these files and
 * `doctor` reads them. Kept apart from the self-signed `tessera.crt`, as Proxmox keeps
 * pveproxy-ssl.pem apart from pve-ssl.pem, so that the self-signed one stays as a fallback.
 */
import { join } from 'node:path';

export interface AcmeFiles {
  readonly dir: string;
  /** The ACME account's private key: whoever holds it can revoke the account's certificates. */
  readonly accountKey: string;
  /** The certificate with its chain (PEM). */
  readonly cert: string;
  readonly key: string;
}

export function acmeFiles(dataDir: string): AcmeFiles {
  const dir = join(dataDir, 'acme');
  return {
    dir,
    accountKey: join(dir, 'account.key'),
    cert: join(dir, 'certificate.pem'),
    key: join(dir, 'certificate.key'),
  };
}
