/**
 * `/nodes/{node}/tasks` (list, `{upid}`, `{upid}/status`, `{upid}/log`, stop) and
 * `/cluster/tasks`, with Proxmox's parameters and answers; services/tasks/queries.ts decides
 * what the caller sees.
 */
import { rejected } from '../../errors.js';
import {
  clusterTasks,
  listTasks,
  stopTask,
  taskLog,
  taskLogText,
  taskStatus,
} from '../../services/tasks/queries.js';
import type { Api } from '../app.js';
import { Download, RawJson } from '../http.js';

const NODE = { type: 'string', maxLength: 64 } as const;
const UPID = { type: 'string', maxLength: 512 } as const;

export function taskRoutes(api: Api): void {
  api.route(
    'GET',
    '/nodes/:node/tasks',
    {
      node: NODE,
      start: { type: 'integer', optional: true, minimum: 0 },
      limit: { type: 'integer', optional: true, minimum: 0 },
      userfilter: { type: 'string', optional: true, maxLength: 128 },
      typefilter: { type: 'string', optional: true, maxLength: 64 },
      vmid: { type: 'integer', optional: true, minimum: 100 },
      errors: { type: 'boolean', optional: true },
      source: { type: 'string', optional: true, maxLength: 16 },
      since: { type: 'integer', optional: true },
      until: { type: 'integer', optional: true },
      statusfilter: { type: 'string', optional: true, maxLength: 64 },
    },
    async ({ params, services }) => {
      const { node, ...query } = params;
      const { tasks, total } = await listTasks(services, api.tasks, node, query);
      return new RawJson(JSON.stringify(tasks), { total });
    },
  );

  api.route('GET', '/nodes/:node/tasks/:upid', { node: NODE, upid: UPID }, () => [
    { name: 'log' },
    { name: 'status' },
  ]);

  api.route('DELETE', '/nodes/:node/tasks/:upid', { node: NODE, upid: UPID }, async (ctx) => {
    await stopTask(ctx.services, api.tasks, ctx.params.node, ctx.params.upid);
    return null;
  });

  api.route(
    'GET',
    '/nodes/:node/tasks/:upid/status',
    { node: NODE, upid: UPID },
    async ({ params, services }) => taskStatus(services, api.tasks, params.node, params.upid),
  );

  api.route(
    'GET',
    '/nodes/:node/tasks/:upid/log',
    {
      node: NODE,
      upid: UPID,
      start: { type: 'integer', optional: true, minimum: 0 },
      limit: { type: 'integer', optional: true, minimum: 0 },
      download: { type: 'boolean', optional: true },
    },
    async ({ params, services }) => {
      if (params.download === true) {
        if (params.start !== undefined || params.limit !== undefined)
          throw rejected("'download' cannot be used together with 'start' or 'limit' parameters");
        const file = await taskLogText(services, api.tasks, params.node, params.upid);
        return new Download(file.text, file.filename);
      }
      const { lines, total } = await taskLog(services, api.tasks, params.node, params.upid, {
        ...(params.start !== undefined ? { start: params.start } : {}),
        ...(params.limit !== undefined ? { limit: params.limit } : {}),
      });
      return new RawJson(JSON.stringify(lines), { total });
    },
  );

  api.route('GET', '/cluster/tasks', {}, async ({ services }) => clusterTasks(services, api.tasks));
}
