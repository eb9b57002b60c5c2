/**
 * `/cluster/jobs`: its index, `schedule-analyze` (the next times of a calendar event) and
 * `realm-sync` (scheduled realm sync, services/jobs/realm-sync-jobs.ts), with Proxmox's
 * parameters.
 */
import { parameterError, rejected } from '../../errors.js';
import { CalendarEventError, nextEvent, parseCalendarEvent } from '../../model/calendar-event.js';
import {
  createRealmSyncJob,
  deleteRealmSyncJob,
  listRealmSyncJobs,
  readRealmSyncJob,
  updateRealmSyncJob,
} from '../../services/jobs/realm-sync-jobs.js';
import type { TaskIndex } from '../../services/tasks/task-index.js';
import type { Api } from '../app.js';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Perl's `scalar(gmtime($t))`: `Thu Jan  1 00:00:00 1970`. */
export function perlGmtime(seconds: number): string {
  const d = new Date(seconds * 1000);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()] ?? ''} ${MONTHS[d.getUTCMonth()] ?? ''} ${String(d.getUTCDate()).padStart(2, ' ')} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${String(d.getUTCFullYear())}`;
}

const JOB_OPTIONS = {
  // Required when creating and updating alike, as Proxmox's job schema says.
  schedule: { type: 'string', maxLength: 128 },
  scope: { type: 'string', optional: true, maxLength: 16 },
  enabled: { type: 'boolean', optional: true },
  comment: { type: 'string', optional: true, maxLength: 512 },
  'remove-vanished': { type: 'string', optional: true, maxLength: 64 },
  'enable-new': { type: 'boolean', optional: true },
} as const;

export function jobRoutes(api: Api): void {
  const index = (): TaskIndex => {
    const found = api.tasks.index;
    if (!found) throw rejected('jobs are not available here');
    return found;
  };

  api.route('GET', '/cluster/jobs', {}, () => [
    { subdir: 'schedule-analyze' },
    { subdir: 'realm-sync' },
  ]);

  api.route(
    'GET',
    '/cluster/jobs/schedule-analyze',
    {
      schedule: { type: 'string', maxLength: 128 },
      starttime: { type: 'integer', optional: true },
      iterations: { type: 'integer', optional: true, minimum: 1 },
    },
    ({ params, now }) => {
      const iterations = params.iterations ?? 10;
      if (iterations > 100)
        throw parameterError({ iterations: 'value must have a maximum value of 100' });
      let event;
      try {
        event = parseCalendarEvent(params.schedule);
      } catch (err) {
        if (!(err instanceof CalendarEventError)) throw err;
        throw parameterError({
          schedule: `invalid format - invalid calendar event '${params.schedule}' - ${err.message}`,
        });
      }
      const out: { timestamp: number; utc: string }[] = [];
      let start = params.starttime ?? now;
      for (let i = 0; i < iterations; i++) {
        const next = nextEvent(event, start);
        if (next === undefined) break;
        out.push({ timestamp: next, utc: perlGmtime(next) });
        start = next;
      }
      return out;
    },
  );

  api.route('GET', '/cluster/jobs/realm-sync', {}, ({ services }) =>
    listRealmSyncJobs(services, index()),
  );

  const ID = { type: 'string', maxLength: 64 } as const;

  api.route('GET', '/cluster/jobs/realm-sync/:id', { id: ID }, ({ params, services }) =>
    readRealmSyncJob(services, index(), params.id),
  );

  api.route(
    'POST',
    '/cluster/jobs/realm-sync/:id',
    { id: ID, realm: { type: 'string', maxLength: 64 }, ...JOB_OPTIONS },
    async ({ params, services }) => {
      const { id, realm, ...options } = params;
      await createRealmSyncJob(services, index(), id, realm, options);
      return null;
    },
  );

  api.route(
    'PUT',
    '/cluster/jobs/realm-sync/:id',
    {
      id: ID,
      ...JOB_OPTIONS,
      delete: { type: 'string', optional: true, maxLength: 256 },
      digest: { type: 'string', optional: true, maxLength: 64 },
    },
    async ({ params, services }) => {
      // Proxmox's update takes `digest` and does not compare it; neither does Tessera.
      const { id, delete: deletions } = params;
      const options = {
        schedule: params.schedule,
        scope: params.scope,
        enabled: params.enabled,
        comment: params.comment,
        'remove-vanished': params['remove-vanished'],
        'enable-new': params['enable-new'],
      };
      const names = (deletions ?? '').split(/[,;\s]+/).filter((n) => n !== '');
      await updateRealmSyncJob(services, index(), id, options, names);
      return null;
    },
  );

  api.route('DELETE', '/cluster/jobs/realm-sync/:id', { id: ID }, async ({ params, services }) => {
    await deleteRealmSyncJob(services, index(), params.id);
    return null;
  });
}
