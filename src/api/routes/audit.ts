/**
 * `GET /access/tessera/audit`: the hardening checklist (diagnostics/audit.ts), as
 * `tessera audit` prints it. Tessera's own resource; for auditors (Sys.Audit on /access).
 * The certificate checked is the one this connection was served with, so a plain-HTTP
 * listener (behind a proxy that terminates TLS) gets no certificate findings.
 */
import { forbidden } from '../../errors.js';
import { TLSSocket } from 'node:tls';
import {
  auditConfiguration,
  inspectCertificate,
  type CertificateFacts,
} from '../../diagnostics/audit.js';
import { liveProxmoxDir } from '../../store/open.js';
import type { Api } from '../app.js';

function servedCertificate(socket: unknown): CertificateFacts | undefined {
  if (!(socket instanceof TLSSocket)) return undefined;
  const cert = socket.getCertificate();
  if (cert === null || !('raw' in cert)) return undefined;
  try {
    return inspectCertificate(cert.raw);
  } catch {
    return undefined;
  }
}

export function auditRoutes(api: Api): void {
  api.route('GET', '/access/tessera/audit', {}, ({ snapshot, now, checks, request }) => {
    if (!checks.has('/access', 'Sys.Audit')) throw forbidden('/access, Sys.Audit');
    const certificate = servedCertificate(request.raw.socket);
    const webauthn = api.options.webauthn;
    const live = liveProxmoxDir(api.options.live.store.url);
    return auditConfiguration(snapshot, {
      now,
      ...(live !== undefined ? { liveProxmoxDir: live } : {}),
      ...(certificate !== undefined ? { certificate } : {}),
      // An explicitly configured relying party means WebAuthn is meant to be used.
      webauthnEnabled:
        webauthn?.rpId !== undefined ||
        webauthn?.origin !== undefined ||
        snapshot.datacenter?.webauthn !== undefined,
    });
  });
}
