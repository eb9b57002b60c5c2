/**
 * `GET /access/tessera/changes`: the audit trail of configuration changes (who changed what,
 * from where, accepted or refused), oldest first. Auditors only (Sys.Audit on /access), as
 * `/access/tessera/logins`.
 */
import { isTesseraError, parameterError } from '../../errors.js';
import { changeQuery } from '../../diagnostics/changes.js';
import { readChanges } from '../../diagnostics/events.js';
import type { Api } from '../app.js';

export function changeRoutes(api: Api): void {
  api.route(
    'GET',
    '/access/tessera/changes',
    {
      userid: { type: 'string', optional: true, maxLength: 128 },
      entity: { type: 'string', optional: true, maxLength: 32 },
      id: { type: 'string', optional: true, maxLength: 256 },
      since: { type: 'string', optional: true, maxLength: 64 },
      until: { type: 'string', optional: true, maxLength: 64 },
      limit: { type: 'integer', optional: true, minimum: 1 },
    },
    async ({ params, checks }) => {
      checks.perm('/access', ['Sys.Audit']);
      let query;
      try {
        query = changeQuery(
          {
            user: params.userid,
            entity: params.entity,
            id: params.id,
            since: params.since,
            until: params.until,
            limit: params.limit,
          },
          Date.now(),
        );
      } catch (err) {
        if (isTesseraError(err, 'invalid_value') && err.field !== undefined)
          throw parameterError({ [err.field]: err.message });
        throw err;
      }
      return readChanges(api.options.live.store, query);
    },
  );
}
