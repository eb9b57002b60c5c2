/**
 * `GET /access/tessera/doctor`: `tessera doctor` run by this server, against its own store,
 * its WebAuthn settings and the certificate it presents on the connection. Tessera's own
 * resource, for auditors (Sys.Audit on /access). `skip-network` leaves out the realm checks.
 */
import { hostname } from 'node:os';
import { TLSSocket } from 'node:tls';
import { doctorJson, runDoctor, type CertificateSource } from '../../diagnostics/doctor.js';
import type { Api } from '../app.js';

export function doctorRoutes(api: Api): void {
  api.route(
    'GET',
    '/access/tessera/doctor',
    { 'skip-network': { type: 'boolean', optional: true } },
    async ({ params, checks, request }) => {
      checks.perm('/access', ['Sys.Audit']);
      const socket = request.raw.socket;
      const presented = socket instanceof TLSSocket ? socket.getX509Certificate() : undefined;
      const certificate: CertificateSource = presented
        ? { kind: 'served', certificate: presented }
        : { kind: 'plain-http' };
      const { rpId, origin } = api.options.webauthn ?? {};
      const report = await runDoctor({
        store: api.options.live.store,
        certificate,
        options: {
          node: hostname(),
          ...(rpId !== undefined ? { webauthnRpId: rpId } : {}),
          ...(origin !== undefined ? { webauthnOrigin: origin } : {}),
          skipNetwork: params['skip-network'] === true,
        },
      });
      return doctorJson(report);
    },
  );
}
