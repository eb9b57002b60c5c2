/**
 * Authenticates API requests (caller.ts checks the credentials) and remembers, for the
 * current second and configuration snapshot, whom each credential header identified.
 *
 * A client sends the same header with every request, and checking it again (decoding the
 * cookie, parsing the token, the user's and the token's state) cost more than everything
 * else Tessera does for a cached answer. Every check depends only on the snapshot and on
 * the time in whole seconds, so an answer found for the same header, snapshot and second
 * is exactly the answer a new check would give: a disabled user, a revoked token or a
 * rotated key is seen with the next snapshot, an expiry with the next second. The CSRF
 * token is checked on every request.
 *
 * Only headers that identified someone are kept, only short ones, and a bounded number:
 * an anonymous client cannot make it hold anything.
 */
import { serverKeys } from '../auth/server-keys.js';
import type { AccessSnapshot } from '../store/snapshot.js';
import { checkCsrf, claimedUser, identifyCaller, type Caller, type Identified } from './caller.js';

/** A request's credentials as they arrive: the raw headers. */
export interface RequestCredentials {
  readonly method: string;
  readonly cookie: string | undefined;
  readonly authorization: string | undefined;
  readonly csrf: string | undefined;
}

const MAX_HEADER = 4096;
const MAX_KEPT = 10_000;

export class RequestAuthenticator {
  private snapshot: AccessSnapshot | undefined;
  private second = Number.NaN;
  private byCookie = new Map<string, Identified>();
  private byAuthorization = new Map<string, Identified>();

  constructor(private readonly ticketOfCookie: (header: string) => string | undefined) {}

  authenticate(snapshot: AccessSnapshot, request: RequestCredentials, now: number): Caller {
    const identified = this.identify(snapshot, request, now);
    if (identified.byTicket)
      checkCsrf(serverKeys(snapshot), identified.caller.userid, request.method, request.csrf, now);
    return identified.caller;
  }

  /** The user a refused request claimed to be, unverified, for the audit log. */
  claimedUser(request: RequestCredentials): string {
    return claimedUser({
      cookie: request.cookie === undefined ? undefined : this.ticketOfCookie(request.cookie),
      authorization: request.authorization,
    });
  }

  private identify(snapshot: AccessSnapshot, request: RequestCredentials, now: number): Identified {
    if (snapshot !== this.snapshot || now !== this.second) {
      this.snapshot = snapshot;
      this.second = now;
      this.byCookie = new Map();
      this.byAuthorization = new Map();
    }
    // A client sends one of the two; with both, the answer is found but not kept.
    const kept =
      request.authorization === undefined
        ? this.byCookie
        : request.cookie === undefined
          ? this.byAuthorization
          : undefined;
    const header = request.authorization ?? request.cookie;
    const known = header === undefined ? undefined : kept?.get(header);
    if (known) return known;
    const identified = identifyCaller(
      snapshot,
      serverKeys(snapshot),
      {
        cookie: request.cookie === undefined ? undefined : this.ticketOfCookie(request.cookie),
        authorization: request.authorization,
      },
      now,
    );
    if (kept && header !== undefined && header.length <= MAX_HEADER) {
      if (kept.size >= MAX_KEPT) kept.clear();
      kept.set(header, identified);
    }
    return identified;
  }
}
