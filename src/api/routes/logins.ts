/**
 * `GET /access/tessera/logins`: recent authentication attempts (of a user, in a time range,
 * with an outcome: all optional) with their causes and the next step, from the events every node writes to the store. Auditors only (Sys.Audit
 * on /access): the causes say more than a client may know.
 */
import { parameterError } from '../../errors.js';
import { explainEvents } from '../../diagnostics/explain-logins.js';
import { parseSince } from '../../diagnostics/explain-logins.js';
import { readEvents } from '../../diagnostics/events.js';
import type { Api } from '../app.js';

export function loginRoutes(api: Api): void {
  api.route(
    'GET',
    '/access/tessera/logins',
    {
      userid: { type: 'string', optional: true, maxLength: 128 },
      since: { type: 'string', optional: true, maxLength: 64 },
      until: { type: 'string', optional: true, maxLength: 64 },
      outcome: { type: 'string', optional: true, maxLength: 16 },
      limit: { type: 'integer', optional: true, minimum: 1 },
    },
    async ({ params, checks }) => {
      checks.perm('/access', ['Sys.Audit']);
      const since =
        params.since === undefined ? Date.now() - 86_400_000 : parseSince(params.since, Date.now());
      if (since === undefined)
        throw parameterError({ since: 'expected 30m, 2h, 7d or an ISO date' });
      const outcome = params.outcome;
      if (outcome !== undefined && outcome !== 'success' && outcome !== 'failure')
        throw parameterError({ outcome: `expected success or failure, not '${outcome}'` });
      const until = params.until === undefined ? undefined : parseSince(params.until, Date.now());
      if (params.until !== undefined && until === undefined)
        throw parameterError({ until: 'expected 30m, 2h, 7d or an ISO date' });
      const events = await readEvents(api.options.live.store, {
        since,
        ...(params.userid !== undefined ? { user: params.userid } : {}),
        ...(until !== undefined ? { until } : {}),
        ...(outcome !== undefined ? { outcome } : {}),
        limit: Math.min(params.limit ?? 200, 5000),
      });
      return explainEvents(events);
    },
  );
}
