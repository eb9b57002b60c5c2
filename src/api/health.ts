/**
 * `GET /health/live` and `GET /health/ready`, for load balancers and orchestrators, outside
 * the Proxmox API. Plain text with a fixed word or a short reason code: no version, no user
 * data, no cookie read, no delay, no throttle, no event. Readiness is the background check's
 * last answer (diagnostics/readiness.ts), so a probe costs no store call however many come.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ReadinessState } from '../diagnostics/readiness.js';
import { answerHeaders, isHttps } from './http.js';

export const LIVE_PATH = '/health/live';
export const READY_PATH = '/health/ready';

export function registerHealth(
  app: FastifyInstance,
  readiness: { readonly state: ReadinessState },
): void {
  const headers = {
    ...answerHeaders(isHttps(app)),
    'content-type': 'text/plain; charset=utf-8',
    // A cached "ready" would hide the node's failure from whoever probes through a cache.
    'cache-control': 'no-store',
  };
  const answer = (reply: FastifyReply, status: number, text: string): void => {
    void reply.code(status).headers(headers).send(`${text}\n`);
  };
  // Not async: answered in the turn the request arrived, without a promise.
  app.get(LIVE_PATH, (_request, reply) => {
    answer(reply, 200, 'ok');
  });
  app.get(READY_PATH, (_request, reply) => {
    const state = readiness.state;
    if (state.ready) answer(reply, 200, 'ready');
    else answer(reply, 503, `not ready: ${state.reason}`);
  });
}
