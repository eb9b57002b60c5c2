/**
 * `GET /metrics` in Prometheus's text format, and the request latency it reports. Off unless
 * configured: on a listen address of its own (for a scraper on a management network, without
 * authentication), or on the API's port behind a bearer token compared in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ServerMetrics } from '../diagnostics/metrics.js';
import { answerHeaders, isHttps } from './http.js';

export const METRICS_PATH = '/metrics';

/**
 * The bearer token a scrape must present; `undefined` for none. A function: the token file is
 * read again on reload, and requests use the current one.
 */
export type MetricsToken = () => Buffer | undefined;

export function registerMetrics(
  app: FastifyInstance,
  metrics: ServerMetrics,
  token: MetricsToken = () => undefined,
): void {
  const headers = { ...answerHeaders(isHttps(app)), 'cache-control': 'no-store' };
  app.get(METRICS_PATH, async (request, reply) => {
    const expected = token();
    // Why no delay: the token is long and random, so guessing gets nowhere; a scraper with a
    // stale token should learn it at once.
    if (expected !== undefined && !bearerMatches(request.headers.authorization, expected)) {
      return reply
        .code(401)
        .headers(headers)
        .header('www-authenticate', 'Bearer realm="tessera metrics"')
        .type('text/plain; charset=utf-8')
        .send('unauthorized\n');
    }
    const text = await metrics.text();
    return reply.headers(headers).type(metrics.contentType).send(text);
  });
}

/**
 * Whether the `Authorization` header carries the token. Both sides are hashed first: equal
 * lengths for timingSafeEqual, and the comparison's time says nothing of the token's length.
 */
function bearerMatches(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer +(\S+) *$/i.exec(header ?? '');
  const given = match?.[1] ?? '';
  const equal = timingSafeEqual(digest(Buffer.from(given)), digest(expected));
  return match !== null && equal;
}

function digest(value: Buffer): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Every answered request goes into the latency histogram by its route pattern. */
export function observeRequests(app: FastifyInstance, metrics: ServerMetrics): void {
  app.addHook('onResponse', (request, reply, done) => {
    // The router's pattern (`/api2/json/access/users/:userid`), undefined when none matched:
    // never the URL, which a client chooses.
    const route = request.is404 ? undefined : request.routeOptions.url;
    metrics.requestAnswered(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}
