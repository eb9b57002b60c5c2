/**
 * Who is calling: a ticket (cookie `PVEAuthCookie`, or `Authorization: PVEAuthCookie=...`)
 * or an API token (`Authorization: PVEAPIToken=...`), checked as Proxmox checks them. A
 * state-changing request authenticated by ticket must carry its CSRF token.
 */
import { apiTokenFromHeader, authenticateApiToken, checkUserEnabled } from '../auth/api-token.js';
import { verifyCsrfToken } from '../auth/csrf.js';
import type { ServerKeys } from '../auth/server-keys.js';
import { sessionRevoked } from '../auth/sessions.js';
import { diagnoseTicket, verifyTicket } from '../auth/ticket.js';
import { asUserId, type Authid, type TokenId, type UserId } from '../model/ids.js';
import type { AccessSnapshot } from '../store/snapshot.js';
import { AuthFailure, type AuthCause } from '../errors.js';

export interface Caller {
  readonly authid: Authid;
  /** The user, or the token's owner. */
  readonly userid: UserId;
  readonly token?: TokenId;
}

/**
 * The user a refused request claimed to be (from the ticket's or token's text, unverified):
 * for the audit log, so that `explain <user>` finds it.
 */
export function claimedUser(credentials: {
  readonly cookie?: string | undefined;
  readonly authorization?: string | undefined;
}): string {
  const ticket = ticketFromHeaders(credentials.cookie, credentials.authorization);
  if (ticket !== undefined) {
    const data = /^PVE:([^:]*):/.exec(ticket)?.[1];
    return data !== undefined && !data.startsWith('!') ? data.slice(0, 64) : '';
  }
  const token = apiTokenFromHeader(credentials.authorization);
  const owner = token === undefined ? undefined : /^([^!=\s]+)!/.exec(token)?.[1];
  return owner?.slice(0, 64) ?? '';
}

function ticketFromHeaders(
  cookie: string | undefined,
  authorization: string | undefined,
): string | undefined {
  if (cookie !== undefined && cookie !== '') return cookie;
  // API token requests pass here first, every one of them: most headers need no regex.
  if (authorization?.includes('PVEAuthCookie=') !== true) return undefined;
  const match = /(?:^|\s)PVEAuthCookie=([^;\s]+)/.exec(authorization);
  return match?.[1] === undefined ? undefined : decodeURIComponent(match[1]);
}

/** The precise reason a ticket was refused, for the audit log; the client sees one answer. */
function ticketRefused(
  keys: ServerKeys | undefined,
  ticket: string,
  now: number,
  partial: boolean,
): AuthFailure {
  const refused = (reason: string, code: AuthCause): AuthFailure =>
    new AuthFailure(reason, code, 'Authentication failed!');
  if (partial) return refused('a partial (second-factor) ticket is not a login', 'ticket_invalid');
  if (!keys) return refused('the server keys are not ready', 'ticket_invalid');
  const { problem, age } = diagnoseTicket(keys.ring, ticket, now);
  if (problem === 'expired')
    return refused(`ticket expired (issued ${String(age)} s ago)`, 'ticket_expired');
  if (problem === 'not_yet_valid')
    return refused(
      `ticket issued ${String(-(age ?? 0))} s in the future: the issuing node's clock is ahead of this one's`,
      'ticket_not_yet_valid',
    );
  return refused(
    problem === 'signature' ? 'ticket signature invalid' : 'malformed ticket',
    'ticket_invalid',
  );
}

/** Whom a request's credentials identify, before its CSRF token is looked at. */
export interface Identified {
  readonly caller: Caller;
  /** By a ticket: then a state-changing request must carry its CSRF token too. */
  readonly byTicket: boolean;
}

/** Whom a ticket (cookie or Authorization header) or an API token identifies, as Proxmox checks them. */
export function identifyCaller(
  snapshot: AccessSnapshot,
  keys: ServerKeys | undefined,
  credentials: { readonly cookie: string | undefined; readonly authorization: string | undefined },
  now: number,
): Identified {
  const ticket = ticketFromHeaders(credentials.cookie, credentials.authorization);
  if (ticket !== undefined) {
    const verified = keys ? verifyTicket(keys.ring, ticket, { now }) : undefined;
    const data = verified && !verified.data.startsWith('!') ? verified.data : undefined;
    // The snapshot's users have valid ids: only a name it does not know needs checking.
    const userid =
      data === undefined
        ? undefined
        : snapshot.users.users.has(data as UserId)
          ? (data as UserId)
          : asUserId(data);
    if (userid === undefined) throw ticketRefused(keys, ticket, now, verified !== undefined);
    try {
      checkUserEnabled(snapshot, userid, now);
    } catch (err) {
      if (!(err instanceof AuthFailure)) throw err;
      throw new AuthFailure(err.message, err.code, 'Authentication failed!');
    }
    // After the account check: a disabled user's ticket is refused as that, more telling.
    if (verified && sessionRevoked(snapshot, userid, now - verified.age))
      throw new AuthFailure(
        "ticket issued before the user's sessions were revoked",
        'ticket_revoked',
        'Authentication failed!',
      );
    return { caller: { authid: userid, userid }, byTicket: true };
  }
  const value = apiTokenFromHeader(credentials.authorization);
  if (value !== undefined) {
    try {
      const { tokenid, user } = authenticateApiToken(snapshot, value, now);
      return { caller: { authid: tokenid, userid: user, token: tokenid }, byTicket: false };
    } catch (err) {
      if (err instanceof AuthFailure)
        throw new AuthFailure(err.message, err.code, 'Authentication failed!');
      throw err;
    }
  }
  throw new AuthFailure('no ticket', 'no_credentials', 'No ticket');
}

/** A state-changing request by ticket must carry the CSRF token made for its user. */
export function checkCsrf(
  keys: ServerKeys | undefined,
  userid: UserId,
  method: string,
  csrf: string | undefined,
  now: number,
): void {
  if (method === 'GET' || method === 'HEAD') return;
  const token = csrf ?? '';
  if (token === '')
    throw new AuthFailure(
      'no CSRFPreventionToken header (a client that sends the ticket cookie must send it)',
      'csrf_missing',
      'Permission denied - invalid csrf token',
    );
  if (!keys || !verifyCsrfToken(keys.csrfSecret, userid, token, now))
    throw new AuthFailure(
      'invalid csrf token',
      'csrf_invalid',
      'Permission denied - invalid csrf token',
    );
}
