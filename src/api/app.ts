/**
 * The HTTP API under `/api2/json`, in Proxmox's wire format. Each resource module registers
 * its methods through {@link Api.route}, which merges and checks the parameters,
 * authenticates the caller (unless the method is open to the world), refuses API tokens
 * where Proxmox does, and turns every failure into Proxmox's error shape.
 */
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { StartLimit } from '../auth/start-limit.js';
import { LoginThrottle, type ThrottleOptions } from '../auth/throttle.js';
import { OIDC_STARTS_PER_SOURCE, OIDC_STATE_SECONDS } from '../model/realm.js';
import type { PermissionEngine } from '../permissions/engine.js';
import type { OfflineTfa } from '../services/tfa-offline.js';
import { PROXMOX_LOCKOUT, type LockoutLimits } from '../services/tfa.js';
import type { WebauthnSettings } from '../tfa/webauthn.js';
import { hostname } from 'node:os';
import { NO_AUDIT, type AuditSink } from '../services/audit.js';
import { Authorization } from '../services/authorize.js';
import { actingAs, liveContext, type ServiceContext } from '../services/context.js';
import type { LiveAccess } from '../store/live.js';
import { TaskIndex } from '../services/tasks/task-index.js';
import { TaskManager } from '../services/tasks/tasks.js';
import type { AccessSnapshot } from '../store/snapshot.js';
import { AuthFailure, forbidden, TesseraError } from '../errors.js';
import type { Caller } from './caller.js';
import { noteRequestUser } from './request-user.js';
import type { AuthFailureEvent, AuthSuccessEvent } from '../services/login/events.js';
import type { LoginDeps } from '../services/login/login.js';
import {
  answerHeaders,
  Download,
  errorAnswer,
  errorBody,
  isHttps,
  JSON_CONTENT_TYPE,
  RawJson,
  refusalAnswer,
  type ErrorAnswer,
} from './http.js';
import { RequestAuthenticator, type RequestCredentials } from './authenticator.js';
import { mergeParams, paramChecker, type Params, type Schema } from './params.js';
import type { Method, OperationDoc, OperationRegistry } from './operation.js';
import { engineFor } from '../permissions/current.js';
import { TICKET_COOKIE } from './session-cookie.js';
import { TLS_SETTINGS } from './tls.js';
import {
  CONNECTION_LIMITS,
  limitConnections,
  serverTimeouts,
  type ConnectionLimits,
} from './connections.js';

export interface ApiOptions {
  readonly live: LiveAccess;
  /** Unix seconds; injected by tests. */
  readonly now?: () => number;
  /** How long a failed authentication is held before the 401 goes out (Proxmox: 3 s). */
  readonly authFailureDelayMs?: number;
  /** Where authentication failures are reported (the auth log). */
  readonly onAuthFailure?: (event: AuthFailureEvent) => void;
  /** Where successful logins are reported (the audit events). */
  readonly onAuthSuccess?: (event: AuthSuccessEvent) => void;
  /** The PAM service for logins of the pam realm (default `tessera`). */
  readonly pamService?: string;
  /** Login throttling; `false` turns it off (as in Proxmox); a throttle shared by the cluster. */
  readonly throttle?: ThrottleOptions | LoginThrottle | false;
  /** The WebAuthn relying party; unset parts come from the request, as in Proxmox. */
  readonly webauthn?: WebauthnSettings;
  /** When failed second-factor answers lock a user out (default: Proxmox's limits). */
  readonly lockout?: LockoutLimits;
  /** Second-factor answers while the store is read-only; without it they fail. */
  readonly offlineTfa?: OfflineTfa;
  /** Where refused and failed changes are recorded (default: nowhere; `serve` passes its event log). */
  readonly audit?: AuditSink;
  /** This node's name in audit events and task ids (default: the host name). */
  readonly node?: string;
  /** Where tasks run and are read (default: tasks over `live`, of this node). */
  readonly tasks?: TaskManager;
  /** The file `serve` wrote the bootstrap administrator's password to (for the notices). */
  readonly bootstrapPasswordFile?: string;
}

export interface Context<S extends Schema> {
  readonly params: Params<S>;
  readonly snapshot: AccessSnapshot;
  readonly engine: PermissionEngine;
  readonly services: ServiceContext;
  readonly now: number;
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
}

export interface AuthedContext<S extends Schema> extends Context<S> {
  readonly caller: Caller;
  /** The caller's authorization, for what listings show; changes decide in the services. */
  readonly checks: Authorization;
}

/** One registered method, as the schema conformance test and documentation read them. */
export interface RegisteredRoute {
  readonly method: Method;
  /** Under `/api2/json`, with Fastify's placeholders (`/access/users/:userid`). */
  readonly path: string;
  readonly schema: Schema;
  /** Open to the world (no authentication). */
  readonly open: boolean;
  /** API tokens may call it (always, for a method open to the world). */
  readonly tokens: boolean;
  /** For methods registered as operations (operation.ts): their name, description, returns. */
  readonly doc?: OperationDoc;
}

export interface Api extends OperationRegistry {
  readonly options: ApiOptions;
  /** A method any caller may use, authenticated or not (Proxmox's `world`). */
  open<S extends Schema>(
    method: Method,
    path: string,
    schema: S,
    handler: (ctx: Context<S>) => unknown,
  ): void;
  /** A method for authenticated callers; `tokens: false` refuses API tokens. */
  route<S extends Schema>(
    method: Method,
    path: string,
    schema: S,
    handler: (ctx: AuthedContext<S>) => unknown,
    options?: { readonly tokens?: boolean },
  ): void;
  delay(startedMs: number): Promise<void>;
  clientAddress(request: FastifyRequest): string;
  /** The ticket in the request's `PVEAuthCookie`, if any. */
  ticketCookie(request: FastifyRequest): string | undefined;
  /** Every method registered so far, in registration order. */
  routes(): readonly RegisteredRoute[];
  readonly throttle: LoginThrottle | undefined;
  /** What logins need: the adapters hand requests to services/login with it. */
  readonly login: LoginDeps;
  /** Long operations (realm sync) and `/nodes/{node}/tasks`. */
  readonly tasks: TaskManager;
}

const PREFIX = '/api2/json';

/**
 * The largest body a method open to the world parses: a login's fields (a password is at
 * most 1024 bytes, a WebAuthn answer or a second-factor challenge a few kB) with room to
 * spare, and little enough that parsing it costs the event loop a millisecond or two.
 */
const OPEN_BODY_LIMIT = 64 * 1024;

export function createApi(app: FastifyInstance, options: ApiOptions): Api {
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const failureDelay = options.authFailureDelayMs ?? 3000;
  const contextOptions = {
    node: options.node ?? hostname(),
    audit: options.audit ?? NO_AUDIT,
    now,
  };

  const rawParams = (request: FastifyRequest, pathParams: boolean): Record<string, unknown> => {
    const query = request.query as Record<string, unknown> | undefined;
    const body =
      typeof request.body === 'object' && request.body !== null
        ? (request.body as Record<string, unknown>)
        : undefined;
    // A read without path placeholders (what clients poll) has one source: nothing to merge.
    if (body === undefined && !pathParams) return query ?? {};
    return mergeParams(
      query,
      body,
      pathParams ? (request.params as Record<string, unknown>) : undefined,
    );
  };

  // The ticket cookie is the only one Tessera reads, and only where it authenticates: parsed
  // there, other requests make no cookie jar (see createApp).
  const authenticator = new RequestAuthenticator(
    (header) => app.parseCookie(header)['PVEAuthCookie'],
  );

  // Stateless (it reads the live view on each call), so one serves every request.
  const services = liveContext(options.live, contextOptions);

  const base = <S extends Schema>(
    request: FastifyRequest,
    reply: FastifyReply,
    params: Params<S>,
  ): Context<S> => {
    const snapshot = options.live.snapshot;
    return {
      params,
      snapshot,
      engine: engineFor(options.live),
      services,
      now: now(),
      request,
      reply,
    };
  };

  const fixedHeaders = answerHeaders(isHttps(app));
  const send = (reply: FastifyReply, data: unknown): void => {
    if (data instanceof Download) {
      void reply
        .headers(fixedHeaders)
        .header('content-disposition', `attachment; filename="${data.filename}"`)
        .type(data.contentType)
        .send(data.body);
      return;
    }
    void reply
      .headers(fixedHeaders)
      .type(JSON_CONTENT_TYPE)
      .send(data instanceof RawJson ? data.body : JSON.stringify({ data: data ?? null }));
  };

  // Filled at registration only: requests never read it.
  const registered: RegisteredRoute[] = [];

  const throttle =
    options.throttle === false
      ? undefined
      : options.throttle instanceof LoginThrottle
        ? options.throttle
        : new LoginThrottle(options.throttle);
  const tasks =
    options.tasks ??
    new TaskManager(options.live.store, contextOptions.node, {
      index: new TaskIndex(options.live.store, options.live),
      committed: async (revision) => {
        await options.live.waitForRevision(revision);
      },
    });
  const api: Api = {
    options,
    throttle,
    tasks,
    login: {
      services,
      view: () => ({ snapshot: options.live.snapshot, engine: engineFor(options.live) }),
      environment: { pamService: options.pamService },
      throttle,
      secondFactor: {
        offline: options.offlineTfa,
        webauthn: options.webauthn ?? {},
        lockout: options.lockout ?? PROXMOX_LOCKOUT,
      },
      openidStarts: new StartLimit(OIDC_STARTS_PER_SOURCE, OIDC_STATE_SECONDS),
      events: {
        failed: (event) => options.onAuthFailure?.(event),
        succeeded: (event) => options.onAuthSuccess?.(event),
      },
      now,
    },
    operation(method, path, schema, handler, options) {
      const { tokens, ...doc } = options;
      api.route(method, path, schema, handler, { tokens: tokens !== false });
      const last = registered.pop();
      if (last) registered.push({ ...last, doc });
    },
    openOperation(method, path, schema, handler, doc) {
      api.open(method, path, schema, handler);
      const last = registered.pop();
      if (last) registered.push({ ...last, doc });
    },
    open(method, path, schema, handler) {
      registered.push({ method, path, schema, open: true, tokens: true });
      const checkParams = paramChecker(schema);
      const pathParams = path.includes(':');
      app.route({
        method,
        url: PREFIX + path,
        bodyLimit: OPEN_BODY_LIMIT,
        handler: async (request, reply) => {
          send(
            reply,
            await handler(base(request, reply, checkParams(rawParams(request, pathParams)))),
          );
        },
      });
    },
    route(method, path, schema, handler, routeOptions = {}) {
      registered.push({
        method,
        path,
        schema,
        open: false,
        tokens: routeOptions.tokens !== false,
      });
      const addressOf = (request: FastifyRequest): string => api.clientAddress(request);
      // Refused requests wait out the failure delay; only they need a promise.
      const refuse = async (
        request: FastifyRequest,
        credentials: RequestCredentials,
        err: unknown,
      ) => {
        // Authentication takes microseconds: the delay counts from here.
        const started = Date.now();
        if (err instanceof AuthFailure) {
          // No credentials is no attempt (a health probe, a first visit): Proxmox's delay
          // only, no event, no log line.
          if (err.code !== 'no_credentials')
            options.onAuthFailure?.({
              kind: 'request',
              rhost: api.clientAddress(request),
              user: authenticator.claimedUser(credentials),
              cause: err.code,
              reason: err.detail,
            });
          await api.delay(started);
          refusedAtTheDoor.add(request);
        }
        throw err;
      };
      const checkParams = paramChecker(schema);
      const pathParams = path.includes(':');
      /** The caller, or a refusal (after the failure delay) as a rejected promise. */
      const authenticate = (
        request: FastifyRequest,
        snapshot: AccessSnapshot,
        at: number,
      ): Caller | Promise<never> => {
        const credentials: RequestCredentials = {
          method: request.method,
          cookie: request.headers.cookie,
          authorization: request.headers.authorization,
          csrf: headerValue(request.headers['csrfpreventiontoken']),
        };
        try {
          return authenticator.authenticate(snapshot, credentials, at);
        } catch (err) {
          return refuse(request, credentials, err);
        }
      };
      // A body is parsed only for a caller who authenticated: parsing half a megabyte of
      // percent-escapes takes tens of milliseconds on the event loop, which nobody unknown
      // may make the server spend. Reads have no body and authenticate in the handler only.
      app.route({
        method,
        url: PREFIX + path,
        ...(method === 'GET'
          ? {}
          : {
              onRequest: async (request: FastifyRequest) => {
                await authenticate(request, options.live.snapshot, now());
              },
            }),
        // Not async: a handler that answers at once (most do, from caches) is sent in the same
        // turn, without a promise and a microtask per request.
        handler: (request, reply) => {
          const snapshot = options.live.snapshot;
          const at = now();
          // Again, and cheap (remembered per snapshot and second): the snapshot may have
          // changed while the body arrived, and a revocation in it counts.
          const caller = authenticate(request, snapshot, at);
          if (caller instanceof Promise) return caller;
          noteRequestUser(request, caller.authid);
          if (routeOptions.tokens === false && caller.token !== undefined) {
            throw forbidden(
              `URI '${requestPath(request.url).replace(/^\/access/, '')}' not available with API token, need proper ticket.\n`,
            );
          }
          const answer = handler(
            new AuthedRequest(
              checkParams(rawParams(request, pathParams)),
              snapshot,
              engineFor(options.live),
              services,
              at,
              request,
              reply,
              caller,
              addressOf,
            ),
          );
          if (answer instanceof Promise)
            return answer.then((data: unknown) => {
              send(reply, data);
            });
          send(reply, answer);
          return undefined;
        },
      });
    },
    async delay(startedMs) {
      const wait = startedMs + failureDelay - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    },
    clientAddress(request) {
      return request.ip;
    },
    routes() {
      return [...registered];
    },
    ticketCookie(request) {
      const header = request.headers.cookie;
      return header === undefined ? undefined : app.parseCookie(header)[TICKET_COOKIE];
    },
  };
  return api;
}

/**
 * What an authenticated handler is given. The acting service context and the authorization
 * are made when a handler first asks for them: most requests only read, and making them for
 * every request cost more than the rest of Tessera's own work on a cached answer.
 */
class AuthedRequest<S extends Schema> implements AuthedContext<S> {
  private acting: ServiceContext | undefined;
  private authorization: Authorization | undefined;

  constructor(
    readonly params: Params<S>,
    readonly snapshot: AccessSnapshot,
    readonly engine: PermissionEngine,
    private readonly base: ServiceContext,
    readonly now: number,
    readonly request: FastifyRequest,
    readonly reply: FastifyReply,
    readonly caller: Caller,
    private readonly clientAddress: (request: FastifyRequest) => string,
  ) {}

  get services(): ServiceContext {
    return (this.acting ??= actingAs(this.base, {
      ...this.caller,
      address: this.clientAddress(this.request),
    }));
  }

  get checks(): Authorization {
    return (this.authorization ??= new Authorization(this.caller, this.engine, this.snapshot));
  }
}

/** The called path as Proxmox names it: without the API prefix and the query. */
function requestPath(url: string): string {
  const raw = url.split('?')[0] ?? '';
  let path = raw;
  try {
    path = decodeURIComponent(raw);
  } catch {
    // A malformed escape: the path as it came.
  }
  return path.startsWith(PREFIX) ? path.slice(PREFIX.length) : path;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Requests refused before their method ran (credentials, CSRF): pveproxy answers them with a
 * status line and no body, unlike a method's own failures.
 */
const refusedAtTheDoor = new WeakSet<FastifyRequest>();

/** pveproxy's limit for a request body (`$limit_max_post`); larger ones are refused with 413. */
const MAX_BODY_BYTES = 512 * 1024;

/** The Fastify instance with Proxmox's body parsing and error shape; HTTPS when given TLS. */
export async function createApp(
  tls?: { readonly cert: Buffer; readonly key: Buffer },
  trustedProxies: readonly string[] = [],
  connectionLimits: ConnectionLimits = CONNECTION_LIMITS,
): Promise<FastifyInstance> {
  // Only a listed proxy's X-Forwarded-For names the client; anyone else's is ignored.
  const timeouts = serverTimeouts(connectionLimits);
  const base = {
    logger: false,
    bodyLimit: MAX_BODY_BYTES,
    trustProxy: [...trustedProxies],
    // Fastify sets the server's own from this one, after creating it.
    requestTimeout: timeouts.requestTimeout,
  };
  const app = (
    tls
      ? Fastify({ ...base, https: { ...TLS_SETTINGS, ...tls, ...timeouts } })
      : Fastify({ ...base, http: timeouts })
  ) as FastifyInstance;
  limitConnections(app.server, connectionLimits, trustedProxies);
  await app.register(formbody);
  // No hook: parsing every request's cookies (and a jar for cookies to set on every reply)
  // would serve one cookie that authenticated routes read themselves.
  await app.register(cookie, { hook: false });
  const fixedHeaders = answerHeaders(tls !== undefined);
  const sendError = (reply: FastifyReply, { status, reason, body }: ErrorAnswer): void => {
    reply.code(status).headers(fixedHeaders);
    // Fastify keeps no reason phrase of its own: the raw response carries it to writeHead.
    reply.raw.statusMessage = reason;
    if (body === undefined) void reply.send();
    else void reply.type(JSON_CONTENT_TYPE).send(body);
  };
  app.setErrorHandler((err, request, reply) => {
    if (err instanceof TesseraError) {
      sendError(
        reply,
        refusedAtTheDoor.has(request) && err instanceof AuthFailure
          ? refusalAnswer(err)
          : errorBody(err),
      );
      return;
    }
    // Fastify's own refusals (a body too large, malformed JSON) carry their status.
    sendError(
      reply,
      err instanceof Error && 'statusCode' in err
        ? fastifyError(Number(err.statusCode) || 500, err, request)
        : errorBody(err),
    );
  });
  app.setNotFoundHandler((request, reply) => {
    // Proxmox names the method by its path below the API's root, without the query.
    const message = `Method '${request.method} ${requestPath(request.url)}' not implemented`;
    sendError(
      reply,
      errorBody(new TesseraError('not_implemented', message, { publicMessage: message })),
    );
  });
  return app;
}

function fastifyError(
  status: number,
  err: Error & { readonly code?: unknown },
  request: FastifyRequest,
): ErrorAnswer {
  // pveproxy answers 501 `for data too large`; Tessera keeps 413 and says what the limit is.
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    const limit = request.routeOptions.bodyLimit;
    return errorAnswer(status, `request body too large (at most ${String(limit)} bytes)\n`);
  }
  return errorAnswer(status, err.message.endsWith('\n') ? err.message : `${err.message}\n`);
}
