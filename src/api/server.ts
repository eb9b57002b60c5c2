/**
 * The whole API: the Fastify app with every resource registered. `serve` listens with it
 * over HTTPS; tests use it in-process.
 */
import type { FastifyInstance } from 'fastify';
import { createApi, createApp, type ApiOptions, type RegisteredRoute } from './app.js';
import { accessRoutes } from './routes/access.js';
import { aclOperations } from './routes/acl.js';
import { auditRoutes } from './routes/audit.js';
import { domainOperations } from './routes/domains.js';
import { realmCheckRoutes } from './routes/realm-check.js';
import { doctorRoutes } from './routes/doctor.js';
import { explainRoutes } from './routes/explain.js';
import { jobRoutes } from './routes/jobs.js';
import { loginRoutes } from './routes/logins.js';
import { noticeRoutes } from './routes/notices.js';
import { changeRoutes } from './routes/changes.js';
import { groupOperations } from './routes/groups.js';
import { openidRoutes } from './routes/openid.js';
import { passwordRoutes } from './routes/password.js';
import { poolOperations } from './routes/pools.js';
import { realmSyncRoutes } from './routes/realm-sync.js';
import { roleOperations } from './routes/roles.js';
import { sessionRoutes } from './routes/sessions.js';
import { tfaOperations } from './routes/tfa.js';
import { permissionOperations } from './routes/permissions.js';
import { tfaEntryRoutes } from './routes/tfa-entries.js';
import { taskRoutes } from './routes/tasks.js';
import { tokenOperations } from './routes/tokens.js';
import { userOperations } from './routes/users.js';
import { registerUi } from './ui.js';
import type { ConnectionLimits } from './connections.js';

const registries = new WeakMap<FastifyInstance, () => readonly RegisteredRoute[]>();

/** The API methods registered on an app made by {@link buildApi}. */
export function apiRoutes(app: FastifyInstance): readonly RegisteredRoute[] {
  return registries.get(app)?.() ?? [];
}

export async function buildApi(
  options: ApiOptions,
  tls?: { readonly cert: Buffer; readonly key: Buffer },
  trustedProxies: readonly string[] = [],
  connectionLimits?: ConnectionLimits,
): Promise<FastifyInstance> {
  const app = await createApp(tls, trustedProxies, connectionLimits);
  const api = createApi(app, options);
  for (const register of [
    accessRoutes,
    permissionOperations,
    passwordRoutes,
    sessionRoutes,
    openidRoutes,
    userOperations,
    tokenOperations,
    groupOperations,
    roleOperations,
    aclOperations,
    domainOperations,
    realmCheckRoutes,
    realmSyncRoutes,
    poolOperations,
    tfaOperations,
    tfaEntryRoutes,
    explainRoutes,
    doctorRoutes,
    auditRoutes,
    loginRoutes,
    changeRoutes,
    noticeRoutes,
    taskRoutes,
    jobRoutes,
  ])
    register(api);
  registries.set(app, () => api.routes());
  registerUi(app, undefined, () => options.live.snapshot.datacenter?.consentText);
  return app;
}
