/**
 * `/access/openid`: Proxmox's OpenID Connect login. `auth-url` starts it (the state, nonce
 * and PKCE verifier go into the store, so the answer may reach any node); `login` takes the
 * code and state the provider sent back and answers a normal ticket. As in Proxmox there is
 * no second-factor step; failures answer `401 authentication failure`, with the cause in the
 * audit log.
 */
import { AuthFailure, parameterError, rejected } from '../../errors.js';
import { checkUserEnabled } from '../../auth/api-token.js';
import { csrfToken } from '../../auth/csrf.js';
import { serverKeys } from '../../auth/server-keys.js';
import { signTicket } from '../../auth/ticket.js';
import { parseRealmId } from '../../model/ids.js';
import { capabilities } from '../../permissions/effective.js';
import {
  finishAuthorization,
  normalizeRedirect,
  OpenidError,
  openidSettings,
  startAuthorization,
} from '../../realms/openid.js';
import { applyOidcLogin, storeOidcState, takeOidcState } from '../../services/openid-login.js';
import type { AccessSnapshot } from '../../store/snapshot.js';
import type { Api } from '../app.js';

function openidRealm(snapshot: AccessSnapshot, realm: string) {
  const config = snapshot.domains.realms.get(parseRealmId(realm));
  if (config?.type !== 'openid')
    throw parameterError({ realm: `realm '${realm}' is not an OpenID realm` });
  return openidSettings(config);
}

function checkRedirect(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error();
    return normalizeRedirect(url);
  } catch {
    throw parameterError({ 'redirect-url': 'not an http(s) URL' });
  }
}

export function openidRoutes(api: Api): void {
  api.open('GET', '/access/openid', {}, () => [{ subdir: 'auth-url' }, { subdir: 'login' }]);

  api.open(
    'POST',
    '/access/openid/auth-url',
    {
      realm: { type: 'string', maxLength: 32 },
      'redirect-url': { type: 'string', maxLength: 255 },
    },
    async ({ params, snapshot, services, now, request }) => {
      const settings = openidRealm(snapshot, params.realm);
      const redirect = checkRedirect(params['redirect-url']);
      let start;
      try {
        start = await startAuthorization(settings, redirect);
      } catch (err) {
        if (err instanceof OpenidError) {
          api.options.onAuthFailure?.({
            kind: 'login',
            rhost: api.clientAddress(request),
            user: `@${settings.realm}`,
            cause: err.code,
            reason: err.message,
          });
          throw rejected(`OpenID login unavailable for realm '${settings.realm}'`);
        }
        throw err;
      }
      await storeOidcState(services, {
        state: start.state,
        realm: parseRealmId(settings.realm),
        redirectUrl: start.redirectUrl,
        nonce: start.nonce,
        codeVerifier: start.codeVerifier,
        created: now,
      });
      return start.url;
    },
  );

  api.open(
    'POST',
    '/access/openid/login',
    {
      state: { type: 'string', maxLength: 1024 },
      code: { type: 'string', maxLength: 4096 },
      'redirect-url': { type: 'string', maxLength: 255 },
    },
    async ({ params, services, now, request }) => {
      const started = Date.now();
      const address = api.clientAddress(request);
      let user = '';
      try {
        const pending = await takeOidcState(services, params.state, now);
        user = `@${pending.realm}`;
        if (checkRedirect(params['redirect-url']) !== pending.redirectUrl)
          throw new OpenidError(
            'oidc_state_mismatch',
            'the redirect URL is not the one the login started with',
          );
        const snapshot = await services.read();
        const config = snapshot.domains.realms.get(pending.realm);
        if (config?.type !== 'openid')
          throw new OpenidError(
            'oidc_error',
            `realm '${pending.realm}' is no longer an OpenID realm`,
          );
        const settings = openidSettings(config);
        const claims = await finishAuthorization(settings, pending, params.code);
        const result = await applyOidcLogin(services, settings, claims);
        user = result.userid;
        const current = await services.read();
        checkUserEnabled(current, result.userid, now);
        const keys = serverKeys(current);
        if (!keys) throw new AuthFailure('the server keys are not ready', 'server_not_ready');
        api.options.onAuthSuccess?.({
          kind: 'openid',
          rhost: address,
          user: result.userid,
          reason: result.created ? 'openid (user created)' : 'openid',
        });
        return {
          username: result.userid,
          ticket: signTicket(keys.ring, 'PVE', result.userid, now),
          CSRFPreventionToken: csrfToken(keys.csrfSecret, result.userid, now),
          cap: capabilities(api.options.live.permissions(), result.userid),
        };
      } catch (err) {
        if (!(err instanceof OpenidError) && !(err instanceof AuthFailure)) throw err;
        api.options.onAuthFailure?.({
          kind: 'login',
          rhost: address,
          user,
          cause: err.code,
          reason: `openid authentication failure: ${err.message}`,
        });
        await api.delay(started);
        throw err instanceof AuthFailure ? err : new AuthFailure(err.message, err.code);
      }
    },
  );
}
