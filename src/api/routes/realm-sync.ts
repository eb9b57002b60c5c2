/**
 * `POST /access/domains/{realm}/sync`: users and groups from the realm's directory, with
 * Proxmox's parameters and privilege checks. As in Proxmox, the checks answer at once and the
 * sync runs as a task (`auth-realm-sync`, or `auth-realm-sync-test` for a dry run) whose UPID
 * is the answer; its log and end status are read through `/nodes/{node}/tasks`. `force` is
 * Tessera's: see realms/sync-plan.ts.
 */
import { AuthFailure, isTesseraError, parameterError, rejected } from '../../errors.js';
import { parseRealmId } from '../../model/ids.js';
import { checkRealmSync, syncRealm, type SyncRequest } from '../../services/realm-sync.js';
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
    async ({ params, services, caller }) => {
      const realm = parseRealmId(params.realm);
      const request: SyncRequest = {
        ...(params.scope !== undefined ? { scope: params.scope } : {}),
        ...(params['remove-vanished'] !== undefined
          ? { 'remove-vanished': params['remove-vanished'] }
          : {}),
        ...(params['enable-new'] !== undefined ? { 'enable-new': params['enable-new'] } : {}),
        ...(params.full !== undefined ? { full: params.full } : {}),
        ...(params.purge !== undefined ? { purge: params.purge } : {}),
        ...(params['dry-run'] !== undefined ? { 'dry-run': params['dry-run'] } : {}),
        ...(params.force !== undefined ? { force: params.force } : {}),
      };
      try {
        await checkRealmSync(services, realm, request);
      } catch (err) {
        if (err instanceof AuthFailure) throw rejected(`sync failed: ${err.message}`);
        if (isTesseraError(err, 'invalid_value') && err.field !== undefined)
          throw parameterError({ [err.field]: err.message });
        throw err;
      }
      const task = await api.tasks.start(
        {
          type: request['dry-run'] === true ? 'auth-realm-sync-test' : 'auth-realm-sync',
          id: realm,
          user: caller.authid,
        },
        async (run) => {
          await syncRealm(services, realm, request, undefined, {
            say: (line) => {
              run.log(line);
            },
            signal: run.signal,
          });
        },
      );
      return task.upid;
    },
    { tokens: true },
  );
}
