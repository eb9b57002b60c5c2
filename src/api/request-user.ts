/**
 * Who a request authenticated as, for the access log (pveproxy logs the user id it
 * authenticated, or `-`). Kept beside the request rather than on it: nothing else reads it.
 */
import type { FastifyRequest } from 'fastify';

const users = new WeakMap<FastifyRequest, string>();

export function noteRequestUser(request: FastifyRequest, authid: string): void {
  users.set(request, authid);
}

/** The user or API token the request authenticated as, if it did. */
export function requestUser(request: FastifyRequest): string | undefined {
  return users.get(request);
}
