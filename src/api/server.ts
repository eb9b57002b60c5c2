/**
 * The whole API: the Fastify app with every resource registered. `serve` listens with it
 * over HTTPS; tests use it in-process.
 */
import type { FastifyInstance } from 'fastify';
import { createApi, createApp, type ApiOptions, type RegisteredRoute } from './app.js';
import { accessRoutes } from './routes/access.js';
import { aclRoutes } from './routes/acl.js';
import { auditRoutes } from './routes/audit.js';
import { domainRoutes } from './routes/domains.js';
import { doctorRoutes } from './routes/doctor.js';
import { explainRoutes } from './routes/explain.js';
import { jobRoutes } from './routes/jobs.js';
import { loginRoutes } from './routes/logins.js';
import { changeRoutes } from './routes/changes.js';
import { groupRoutes } from './routes/groups.js';
import { openidRoutes } from './routes/openid.js';
import { passwordRoutes } from './routes/password.js';
import { poolRoutes } from './routes/pools.js';
import { realmSyncRoutes } from './routes/realm-sync.js';
import { roleRoutes } from './routes/roles.js';
import { sessionRoutes } from './routes/sessions.js';
import { tfaRoutes } from './routes/tfa.js';
import { tfaEntryRoutes } from './routes/tfa-entries.js';
import { taskRoutes } from './routes/tasks.js';
import { tokenRoutes } from './routes/tokens.js';
import { userRoutes } from './routes/users.js';
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
    passwordRoutes,
    sessionRoutes,
    openidRoutes,
    userRoutes,
    tokenRoutes,
    groupRoutes,
    roleRoutes,
    aclRoutes,
    domainRoutes,
    realmSyncRoutes,
    poolRoutes,
    tfaRoutes,
    tfaEntryRoutes,
    explainRoutes,
    doctorRoutes,
    auditRoutes,
    loginRoutes,
    changeRoutes,
    taskRoutes,
    jobRoutes,
  ])
    register(api);
  registries.set(app, () => api.routes());
  registerUi(app, undefined, () => options.live.snapshot.datacenter?.consentText);
  return app;
}
