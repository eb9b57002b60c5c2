/**
 * `/version`, `/access` (index), `/access/ticket` (login, renewal, privilege check) and
 * `/access/permissions`.
 */
import { csrfToken } from '../../auth/csrf.js';
import { checkFirstFactor } from '../../auth/login.js';
import { hashPassword } from '../../auth/password.js';
import { serverKeys } from '../../auth/server-keys.js';
import { signTicket } from '../../auth/ticket.js';
import { normalizeAclPath } from '../../model/acl-path.js';
import { asUserId } from '../../model/ids.js';
import { answerChallenge, checkSecondFactor, loginChallenge } from '../second-factor.js';
import { isPrivilege } from '../../model/privileges.js';
import { splitList } from '../../model/text.js';
import { capabilities, permissionsFor } from '../../permissions/effective.js';
import type { PermissionEngine } from '../../permissions/engine.js';
import { setPasswordHash } from '../../services/users.js';
import { secondFactorContext, type Api } from '../app.js';
import { RawJson } from '../http.js';
import { AuthFailure } from '../../errors.js';

const permissionAnswers = new WeakMap<PermissionEngine, Map<string, RawJson>>();
const PERMISSION_ANSWERS = 10_000;

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
    async ({ params, snapshot, engine, services, now, request }) => {
      const started = Date.now();
      const factors = secondFactorContext(api, { services, request });
      const keys = serverKeys(snapshot);
      const address = api.clientAddress(request);
      const user =
        params.realm === undefined ? params.username : `${params.username}@${params.realm}`;
      try {
        if (api.throttle?.blocked(address, user, now) === true)
          throw new AuthFailure(
            `throttled: too many failed logins from ${address} for ${user}`,
            'throttled',
          );
        const challengeTicket = params['tfa-challenge'];
        if (challengeTicket !== undefined) {
          if (params.otp !== undefined)
            throw new AuthFailure(
              "TFA response should be in 'password', not 'otp' when 'tfa-challenge' is set",
              'tfa_challenge_invalid',
            );
          const userid = asUserId(user);
          if (userid === undefined)
            throw new AuthFailure(`invalid user name '${user}'`, 'invalid_username');
          await checkSecondFactor(
            snapshot,
            keys,
            factors,
            userid,
            challengeTicket,
            params.password,
            now,
          );
          api.throttle?.succeeded(address, user);
          if (!keys) throw new AuthFailure('the server keys are not ready', 'server_not_ready');
          api.options.onAuthSuccess?.({
            kind: 'login',
            rhost: address,
            user: userid,
            reason: 'password and second factor',
          });
          return {
            username: userid,
            ticket: signTicket(keys.ring, 'PVE', userid, now),
            CSRFPreventionToken: csrfToken(keys.csrfSecret, userid, now),
            cap: capabilities(engine, userid),
          };
        }
        const first = await checkFirstFactor(
          snapshot,
          keys,
          {
            username: params.username,
            realm: params.realm,
            password: params.password,
            remoteHost: address,
            pamService: api.options.pamService,
          },
          now,
        );
        const { userid } = first;
        api.throttle?.succeeded(address, user);
        if (params.path !== undefined && params.privs !== undefined) {
          const path = normalizeAclPath(params.path) ?? params.path;
          const privileges = splitList(params.privs);
          if (!privileges.every((p) => isPrivilege(p) && engine.can(userid, path, p)))
            throw new AuthFailure(
              `no permission (${params.path}, ${params.privs})`,
              'no_permission',
            );
          return { username: userid, cap: capabilities(engine, userid) };
        }
        if (!keys) throw new AuthFailure('the server keys are not ready', 'server_not_ready');
        if (first.rehash) {
          // A crypt hash from Proxmox becomes an argon2id one; a read-only store only
          // postpones that, it does not fail the login.
          await setPasswordHash(services, userid, await hashPassword(params.password)).catch(
            () => undefined,
          );
        }
        const otp = params.otp;
        const challenge = first.renewal
          ? undefined
          : await loginChallenge(snapshot, factors, userid, now, otp === undefined);
        if (otp !== undefined) {
          // One step: the answer comes with the password (a bare code is a TOTP code).
          // Unlike Proxmox, a correct answer ends the login here instead of asking again.
          if (!challenge) throw new AuthFailure('no such challenge', 'tfa_challenge_invalid');
          const answer = /^\d+$/.test(otp) ? `totp:${otp}` : otp;
          await answerChallenge(snapshot, factors, userid, challenge, answer, now);
        } else if (challenge) {
          // A partial ticket, bound to this user, that only step two accepts.
          return {
            username: userid,
            ticket: signTicket(keys.ring, 'PVE', `!tfa!${JSON.stringify(challenge)}`, now, userid),
            CSRFPreventionToken: csrfToken(keys.csrfSecret, userid, now),
            NeedTFA: 1,
          };
        }
        api.options.onAuthSuccess?.({
          kind: 'login',
          rhost: address,
          user: userid,
          reason: first.renewal
            ? 'ticket renewal'
            : otp !== undefined
              ? 'password and second factor (one step)'
              : 'password',
        });
        return {
          username: userid,
          ticket: signTicket(keys.ring, 'PVE', userid, now),
          CSRFPreventionToken: csrfToken(keys.csrfSecret, userid, now),
          cap: capabilities(engine, userid),
        };
      } catch (err) {
        if (!(err instanceof AuthFailure)) throw err;
        if (err.code !== 'throttled') api.throttle?.failed(address, user, now);
        api.options.onAuthFailure?.({
          kind: 'login',
          rhost: address,
          user,
          cause: err.code,
          reason: err.message,
        });
        await api.delay(started);
        throw err;
      }
    },
  );

  api.route(
    'GET',
    '/access/permissions',
    {
      userid: { type: 'string', optional: true },
      path: { type: 'string', optional: true },
    },
    ({ params, engine, caller }) => {
      // Clients poll this (the UI on every page): the answer only changes with the
      // configuration, so it is kept, serialised, per compiled engine.
      let cache = permissionAnswers.get(engine);
      if (!cache) permissionAnswers.set(engine, (cache = new Map<string, RawJson>()));
      const key = `${caller.authid}\n${params.userid ?? ''}\n${params.path ?? ''}`;
      let answer = cache.get(key);
      if (!answer) {
        answer = new RawJson(
          JSON.stringify(
            permissionsFor(engine, caller.authid, {
              ...(params.userid !== undefined ? { userid: params.userid } : {}),
              ...(params.path !== undefined ? { path: params.path } : {}),
            }),
          ),
        );
        if (cache.size >= PERMISSION_ANSWERS) cache.clear();
        cache.set(key, answer);
      }
      return answer;
    },
  );
}
