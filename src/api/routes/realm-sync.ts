/**
 * `POST /access/domains/{realm}/sync`: users and groups from the realm's directory, with
 * Proxmox's parameters and privilege checks. Proxmox starts a task and answers its id; Tessera
 * runs the sync within the request and answers the task log as text (a failed sync fails the
 * request with the reason). `force` is Tessera's: see realms/sync-plan.ts.
 */
import { AuthFailure, isTesseraError, parameterError, rejected } from '../../errors.js';
import { parseRealmId } from '../../model/ids.js';
import { syncRealm } from '../../services/realm-sync.js';
import type { Api } from '../app.js';

export function realmSyncRoutes(api: Api): void {
  api.route(
    'POST',
    '/access/domains/:realm/sync',
    {
      realm: { type: 'string' },
      scope: { type: 'string', optional: true },
      'remove-vanished': { type: 'string', optional: true, maxLength: 64 },
      'enable-new': { type: 'boolean', optional: true },
      full: { type: 'boolean', optional: true },
      purge: { type: 'boolean', optional: true },
      'dry-run': { type: 'boolean', optional: true },
      force: { type: 'boolean', optional: true },
    },
    async ({ params, services }) => {
      const realm = parseRealmId(params.realm);
      try {
        const report = await syncRealm(services, realm, {
          ...(params.scope !== undefined ? { scope: params.scope } : {}),
          ...(params['remove-vanished'] !== undefined
            ? { 'remove-vanished': params['remove-vanished'] }
            : {}),
          ...(params['enable-new'] !== undefined ? { 'enable-new': params['enable-new'] } : {}),
          ...(params.full !== undefined ? { full: params.full } : {}),
          ...(params.purge !== undefined ? { purge: params.purge } : {}),
          ...(params['dry-run'] !== undefined ? { 'dry-run': params['dry-run'] } : {}),
          ...(params.force !== undefined ? { force: params.force } : {}),
        });
        return `${report.log.join('\n')}\n`;
      } catch (err) {
        if (err instanceof AuthFailure) throw rejected(`sync failed: ${err.message}`);
        if (isTesseraError(err, 'invalid_value') && err.field !== undefined)
          throw parameterError({ [err.field]: err.message });
        throw err;
      }
    },
    { tokens: true },
  );
}
