/**
 * `/access/openid`: Proxmox's OpenID Connect login. `auth-url` starts it (the state, nonce
 * and PKCE verifier go into the store, so the answer may reach any node); `login` takes the
 * code and state the provider sent back and answers a normal ticket. As in Proxmox there is
 * no second-factor step; failures answer `401 authentication failure`, with the cause in the
 * audit log.
 */
import { AuthFailure } from '../../errors.js';
import { finishOpenidLogin, startOpenidLogin } from '../../services/login/openid.js';
import type { Api } from '../app.js';
import { answerLogin } from '../session-cookie.js';

export function openidRoutes(api: Api): void {
  // An index like any other: Proxmox answers it to authenticated callers only.
  api.route('GET', '/access/openid', {}, () => [{ subdir: 'auth-url' }, { subdir: 'login' }]);

  api.open(
    'POST',
    '/access/openid/auth-url',
    {
      realm: { type: 'string', maxLength: 32 },
      'redirect-url': { type: 'string', maxLength: 255 },
    },
    ({ params, request }) =>
      startOpenidLogin(api.login, {
        realm: params.realm,
        redirectUrl: params['redirect-url'],
        address: api.clientAddress(request),
      }),
  );

  api.open(
    'POST',
    '/access/openid/login',
    {
      state: { type: 'string', maxLength: 1024 },
      code: { type: 'string', maxLength: 4096 },
      'redirect-url': { type: 'string', maxLength: 255 },
    },
    async ({ params, request, reply }) => {
      const started = Date.now();
      try {
        const result = await finishOpenidLogin(api.login, {
          state: params.state,
          code: params.code,
          redirectUrl: params['redirect-url'],
          address: api.clientAddress(request),
        });
        return answerLogin(request, reply, {
          username: result.userid,
          ticket: result.ticket,
          CSRFPreventionToken: result.csrf,
          cap: result.cap,
        });
      } catch (err) {
        if (err instanceof AuthFailure) await api.delay(started);
        throw err;
      }
    },
  );
}
