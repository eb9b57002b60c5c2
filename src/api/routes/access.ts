/**
 * `/version`, `/access` (index) and `/access/ticket` (login, renewal, privilege check).
 */
import type { Api } from '../app.js';
import { answerLogin, clearTicketCookie, loginPassword } from '../session-cookie.js';
import { AuthFailure, invalid } from '../../errors.js';
import { isPrivilege } from '../../model/privileges.js';
import { splitList } from '../../model/text.js';
import { login, type LoginResult } from '../../services/login/login.js';
import { verifyVncTicket } from '../../services/login/vnc-ticket.js';

export const VERSION = { version: '9.1.1', release: '9.1', repoid: 'tessera' };

const ACCESS_INDEX = [
  'users',
  'groups',
  'roles',
  'acl',
  'domains',
  'openid',
  'tfa',
  'ticket',
  'password',
];

export function accessRoutes(api: Api): void {
  api.route('GET', '/version', {}, () => VERSION);
  api.route('GET', '/access', {}, () => ACCESS_INDEX.map((subdir) => ({ subdir })));

  // Proxmox answers a GET of the login resource with nothing: the UI uses it to probe.
  api.open('GET', '/access/ticket', {}, () => null);

  api.open(
    'POST',
    '/access/ticket',
    {
      username: { type: 'string', maxLength: 64 },
      realm: { type: 'string', optional: true, maxLength: 32 },
      password: { type: 'string' },
      otp: { type: 'string', optional: true },
      path: { type: 'string', optional: true, maxLength: 64 },
      privs: { type: 'string', optional: true, maxLength: 64 },
      'new-format': { type: 'boolean', optional: true },
      'tfa-challenge': { type: 'string', optional: true },
    },
    async ({ params, request, reply }) => {
      const started = Date.now();
      try {
        const result = await login(api.login, {
          username: params.username,
          realm: params.realm,
          password: loginPassword(request, params.password, (r) => api.ticketCookie(r)),
          otp: params.otp,
          tfaChallenge: params['tfa-challenge'],
          privilegeCheck:
            params.path !== undefined && params.privs !== undefined
              ? { path: params.path, privs: params.privs }
              : undefined,
          address: api.clientAddress(request),
          origin: { protocol: request.protocol, host: request.host },
        });
        return answerLogin(request, reply, loginAnswer(result));
      } catch (err) {
        if (err instanceof AuthFailure) await api.delay(started);
        throw err;
      }
    },
  );

  // A console proxy checks a user's VNC ticket; open to the world, as in Proxmox.
  api.open(
    'POST',
    '/access/vncticket',
    {
      authid: { type: 'string', maxLength: 64 },
      vncticket: { type: 'string', maxLength: 4096 },
      path: { type: 'string', maxLength: 64 },
      privs: { type: 'string', maxLength: 64 },
      port: { type: 'integer', optional: true },
    },
    async ({ params, request }) => {
      for (const priv of splitList(params.privs))
        if (!isPrivilege(priv))
          throw invalid('privs', `invalid format - invalid privilege '${priv}'\n`);
      const started = Date.now();
      try {
        verifyVncTicket(api.login, { ...params, address: api.clientAddress(request) });
        return null;
      } catch (err) {
        if (err instanceof AuthFailure) await api.delay(started);
        throw err;
      }
    },
  );

  // Not in Proxmox, whose UI drops its cookie itself: the web interface's cookie is HttpOnly.
  api.open('DELETE', '/access/ticket', {}, ({ request, reply }) => {
    clearTicketCookie(request, reply);
    return null;
  });
}

/** Proxmox's answer to each outcome of a login. */
function loginAnswer(result: LoginResult): Record<string, unknown> {
  switch (result.kind) {
    case 'allowed':
      return { username: result.userid, cap: result.cap };
    case 'challenge':
      return {
        username: result.userid,
        ticket: result.ticket,
        CSRFPreventionToken: result.csrf,
        NeedTFA: 1,
      };
    case 'ticket':
      return {
        username: result.userid,
        ticket: result.ticket,
        CSRFPreventionToken: result.csrf,
        cap: result.cap,
      };
  }
}
