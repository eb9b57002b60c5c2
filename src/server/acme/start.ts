/**
 * ACME in `serve`: which certificate to present at start (a stored one that is still good,
 * at once, without an order; otherwise the self-signed one until the first order succeeds),
 * the HTTP-01 responder, the renewer, and SIGHUP, which checks for renewal at once.
 */
import { acmeFiles } from '../../model/acme-files.js';
import {
  describeCertificate,
  ensureCertificate,
  useCertificate,
  type TlsFiles,
} from '../../api/tls.js';
import type { Io } from '../io.js';
import type { Reloads } from '../reload.js';
import { readUsable } from './files.js';
import { AcmeRenewer, type AcmeSettings } from './renewer.js';
import { ChallengeResponder } from './responder.js';

/** The files to serve from the start. */
export async function acmeStartingFiles(
  settings: AcmeSettings,
  dataDir: string,
  now: number,
): Promise<TlsFiles> {
  const files = acmeFiles(dataDir);
  return (await readUsable(files, settings.domains, now)) !== undefined
    ? { cert: files.cert, key: files.key, generated: false }
    : ensureCertificate(dataDir);
}

export interface RunningAcme {
  stop(): Promise<void>;
}

export async function startAcme(
  settings: AcmeSettings,
  dataDir: string,
  server: unknown,
  reloads: Reloads,
  io: Io,
): Promise<RunningAcme> {
  const responder = new ChallengeResponder();
  // A port taken or not allowed does not stop serve: each order tries again, and says why.
  await responder.listen(settings.http.host, settings.http.port).catch((err: unknown) => {
    io.err(`tessera: ${err instanceof Error ? err.message : String(err)}\n`);
  });
  const renewer = new AcmeRenewer(settings, {
    files: acmeFiles(dataDir),
    responder,
    now: Date.now,
    log: (line) => {
      io.err(`tessera: ${line}\n`);
    },
    onCertificate: (material) => {
      useCertificate(server, material);
      io.err(
        `tessera: new connections get the ACME certificate: ${describeCertificate(material.cert)}\n`,
      );
    },
  });
  reloads.add({
    what: 'the ACME certificate',
    kind: 'all',
    run: async () => {
      const result = await renewer.check();
      return result.kind === 'kept'
        ? `the ACME certificate is not due for renewal before ${new Date(result.until).toISOString()}`
        : undefined;
    },
  });
  renewer.start();
  return {
    stop: async () => {
      renewer.stop();
      await responder.close();
    },
  };
}
