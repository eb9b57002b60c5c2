/**
 * The request authenticator remembers whom a header identified only for the same snapshot
 * and second: a change of the configuration or the next second is checked afresh, and the
 * CSRF token of every state-changing request is checked, remembered identity or not.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { RequestAuthenticator, type RequestCredentials } from '../../src/api/authenticator.js';
import { csrfToken } from '../../src/auth/csrf.js';
import { serverKeys } from '../../src/auth/server-keys.js';
import { signTicket } from '../../src/auth/ticket.js';
import { isTesseraError } from '../../src/errors.js';
import { parseTokenName, parseUserId } from '../../src/model/ids.js';
import { bootstrap } from '../../src/services/bootstrap.js';
import { liveContext, type ServiceContext } from '../../src/services/context.js';
import { ensureServerKeys } from '../../src/services/server-keys.js';
import { createToken, deleteToken } from '../../src/services/tokens.js';
import { createUser, updateUser } from '../../src/services/users.js';
import { logoutEverywhere } from '../../src/services/sessions.js';
import { ticketTime } from '../../src/auth/sessions.js';
import { LiveAccess } from '../../src/store/live.js';
import { MemoryStore } from '../../src/store/memory.js';

const T = Math.floor(Date.now() / 1000);

const cause = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    return isTesseraError(err) ? err.code : String(err);
  }
  return 'accepted';
};

describe('RequestAuthenticator', () => {
  let live: LiveAccess;
  let ctx: ServiceContext;
  let cookie = '';
  let csrf = '';

  before(async () => {
    live = await LiveAccess.open(new MemoryStore());
    ctx = liveContext(live);
    await bootstrap(ctx);
    await ensureServerKeys(ctx, T - 100);
    await createUser(ctx, { userid: parseUserId('bob@pve') });
    const keys = serverKeys(live.snapshot);
    assert.ok(keys);
    cookie = `PVEAuthCookie=${encodeURIComponent(signTicket(keys.ring, 'PVE', 'bob@pve', T))}`;
    csrf = csrfToken(keys.csrfSecret, 'bob@pve', T);
  });

  const authenticator = new RequestAuthenticator((header) => {
    const value = /(?:^|;\s*)PVEAuthCookie=([^;]*)/.exec(header)?.[1];
    return value === undefined ? undefined : decodeURIComponent(value);
  });
  const byCookie = (method: string, token?: string): RequestCredentials => ({
    method,
    cookie,
    authorization: undefined,
    csrf: token,
  });

  it('checks the CSRF token of every state-changing request', () => {
    assert.equal(authenticator.authenticate(live.snapshot, byCookie('GET'), T).userid, 'bob@pve');
    assert.equal(
      cause(() => authenticator.authenticate(live.snapshot, byCookie('PUT', csrf), T)),
      'accepted',
    );
    assert.equal(
      cause(() =>
        authenticator.authenticate(live.snapshot, byCookie('PUT', `${csrf.slice(0, -1)}x`), T),
      ),
      'csrf_invalid',
    );
    assert.equal(
      cause(() => authenticator.authenticate(live.snapshot, byCookie('POST'), T)),
      'csrf_missing',
    );
  });

  it('sees a disabled user with the next snapshot, and the revocation of older tickets', async () => {
    assert.equal(
      cause(() => authenticator.authenticate(live.snapshot, byCookie('GET'), T)),
      'accepted',
    );
    await updateUser(ctx, parseUserId('bob@pve'), { enable: false });
    assert.equal(
      cause(() => authenticator.authenticate(live.snapshot, byCookie('GET'), T)),
      'user_disabled',
    );
    await updateUser(ctx, parseUserId('bob@pve'), { enable: true });
    // The disable revoked the tickets issued until then: enabling does not bring them back.
    assert.equal(
      cause(() => authenticator.authenticate(live.snapshot, byCookie('GET'), T)),
      'ticket_revoked',
    );
    const keys = serverKeys(live.snapshot);
    assert.ok(keys);
    const issued = ticketTime(live.snapshot, 'bob@pve', T);
    cookie = `PVEAuthCookie=${encodeURIComponent(signTicket(keys.ring, 'PVE', 'bob@pve', issued))}`;
    csrf = csrfToken(keys.csrfSecret, 'bob@pve', issued);
    assert.equal(
      cause(() => authenticator.authenticate(live.snapshot, byCookie('GET'), T)),
      'accepted',
    );
  });

  it('sees a log out everywhere at once, in the same second', async () => {
    const carl = parseUserId('carl@pve');
    await createUser(ctx, { userid: carl });
    const keys = serverKeys(live.snapshot);
    assert.ok(keys);
    const now = Math.floor(Date.now() / 1000);
    const header: RequestCredentials = {
      method: 'GET',
      cookie: `PVEAuthCookie=${encodeURIComponent(signTicket(keys.ring, 'PVE', carl, now))}`,
      authorization: undefined,
      csrf: undefined,
    };
    assert.equal(authenticator.authenticate(live.snapshot, header, now).userid, carl);
    await logoutEverywhere(liveContext(live, { now: () => now }), carl);
    assert.equal(
      cause(() => authenticator.authenticate(live.snapshot, header, now)),
      'ticket_revoked',
    );
  });

  it('sees an expiry with the next second, and a deleted token at once', async () => {
    const token = await createToken(ctx, parseUserId('bob@pve'), parseTokenName('tok'), {
      expire: T + 1,
    });
    const header: RequestCredentials = {
      method: 'GET',
      cookie: undefined,
      authorization: `PVEAPIToken=${token.tokenid}=${token.value}`,
      csrf: undefined,
    };
    assert.equal(authenticator.authenticate(live.snapshot, header, T + 1).authid, token.tokenid);
    assert.equal(authenticator.authenticate(live.snapshot, header, T + 1).authid, token.tokenid);
    assert.equal(
      cause(() => authenticator.authenticate(live.snapshot, header, T + 2)),
      'token_expired',
    );
    await deleteToken(ctx, token.tokenid);
    assert.equal(
      cause(() => authenticator.authenticate(live.snapshot, header, T + 1)),
      'token_unknown',
    );
  });

  it('answers the same with both headers, and names the claimed user of a refusal', () => {
    const both: RequestCredentials = {
      method: 'GET',
      cookie,
      authorization: 'PVEAPIToken=bob@pve!none=00000000-0000-0000-0000-000000000000',
      csrf: undefined,
    };
    assert.equal(authenticator.authenticate(live.snapshot, both, T).authid, 'bob@pve');
    const forged: RequestCredentials = {
      ...byCookie('GET'),
      cookie: 'PVEAuthCookie=PVE%3Aeve%40pve%3A0',
    };
    assert.equal(
      cause(() => authenticator.authenticate(live.snapshot, forged, T)),
      'ticket_invalid',
    );
    assert.equal(authenticator.claimedUser(forged), 'eve@pve');
  });
});
