/**
 * `/version`, `/access` (index), `/access/ticket` (login, renewal, privilege check) and
 * `/access/permissions`.
 */
import { permissionsFor } from '../../permissions/effective.js';
import type { PermissionEngine } from '../../permissions/engine.js';
import type { Authid } from '../../model/ids.js';
import type { Api } from '../app.js';
import { RawJson } from '../http.js';
import { answerLogin, clearTicketCookie, loginPassword } from '../session-cookie.js';
import { AuthFailure, invalid } from '../../errors.js';
import { isPrivilege } from '../../model/privileges.js';
import { splitList } from '../../model/text.js';
import { login, type LoginResult } from '../../services/login/login.js';
import { verifyVncTicket } from '../../services/login/vnc-ticket.js';

/**
 * Answers of `GET /access/permissions`, kept serialised per compiled engine and caller:
 * clients poll it (the UI on every page), and it only changes with the configuration. A
 * caller asking for one path of its own, the usual question, is found by the path alone.
 */
class PermissionAnswers {
  private static readonly LIMIT = 10_000;
  private size = 0;
  private readonly byCaller = new Map<Authid, Map<string, RawJson>>();

  answer(caller: Authid, question: PermissionQuestion, make: () => RawJson): RawJson {
    const key =
      question.userid === undefined && question.path !== undefined
        ? question.path
        : // A user id holds no newline, and `*` or `=` tells "every path" from one path.
          `\n${question.userid ?? ''}\n${question.path === undefined ? '*' : `=${question.path}`}`;
    let answers = this.byCaller.get(caller);
    const known = answers?.get(key);
    if (known) return known;
    const made = make();
    if (this.size >= PermissionAnswers.LIMIT) {
      this.byCaller.clear();
      this.size = 0;
      answers = undefined;
    }
    if (!answers) this.byCaller.set(caller, (answers = new Map<string, RawJson>()));
    answers.set(key, made);
    this.size++;
    return made;
  }
}

interface PermissionQuestion {
  readonly userid: string | undefined;
  readonly path: string | undefined;
}

const permissionAnswers = new WeakMap<PermissionEngine, PermissionAnswers>();

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

  api.route(
    'GET',
    '/access/permissions',
    {
      userid: { type: 'string', optional: true },
      path: { type: 'string', optional: true },
    },
    ({ params, engine, caller }) => {
      let answers = permissionAnswers.get(engine);
      if (!answers) permissionAnswers.set(engine, (answers = new PermissionAnswers()));
      return answers.answer(
        caller.authid,
        params,
        () =>
          new RawJson(
            JSON.stringify(
              permissionsFor(engine, caller.authid, {
                ...(params.userid !== undefined ? { userid: params.userid } : {}),
                ...(params.path !== undefined ? { path: params.path } : {}),
              }),
            ),
          ),
      );
    },
  );
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
