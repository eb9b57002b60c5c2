/**
 * What the directory-realm tests (LDAP against slapd, AD against Samba) share: a login over
 * the API answered by its status, a refusal checked against the cause the audit hook saw,
 * and realm option changes through the service.
 */
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { RealmId } from '../../src/model/ids.js';
import type { ServiceContext } from '../../src/services/context.js';
import { updateRealm, type RealmResult } from '../../src/services/realms.js';

export async function loginStatus(
  app: FastifyInstance,
  username: string,
  password: string,
): Promise<number> {
  const response = await app.inject({
    method: 'POST',
    url: '/api2/json/access/ticket',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ username, password }).toString(),
  });
  return response.statusCode;
}

/** The login is refused (401) and the last audit event names `cause` (and `reason`). */
export async function assertRefused(
  app: FastifyInstance,
  causes: readonly { cause: string; reason: string }[],
  login: { username: string; password: string },
  cause: string,
  reason?: RegExp,
): Promise<void> {
  assert.equal(await loginStatus(app, login.username, login.password), 401);
  assert.equal(causes.at(-1)?.cause, cause, causes.at(-1)?.reason);
  if (reason) assert.match(causes.at(-1)?.reason ?? '', reason);
}

/** Sets options, removes others, and (when given) replaces the bind password. */
export function setRealmOptions(
  ctx: ServiceContext,
  realm: RealmId,
  options: Record<string, string | number | boolean>,
  remove: string[] = [],
  password?: string,
): Promise<RealmResult> {
  return updateRealm(ctx, realm, {
    ...(Object.keys(options).length > 0 ? { options } : {}),
    ...(remove.length > 0 ? { delete: remove } : {}),
    ...(password !== undefined ? { password } : {}),
  });
}
