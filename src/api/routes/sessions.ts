/**
 * `POST /access/tessera/logout` (Tessera's own): "log out everywhere". Every ticket issued to
 * the user so far, the caller's own included, is refused from now on, on every node. Without
 * `userid`, the caller's own sessions; another user's need `User.Modify` on the user.
 */
import { parameterError } from '../../errors.js';
import { userIdError, type UserId } from '../../model/ids.js';
import { logoutEverywhere } from '../../services/sessions.js';
import type { Api } from '../app.js';

export function sessionRoutes(api: Api): void {
  api.route(
    'POST',
    '/access/tessera/logout',
    { userid: { type: 'string', optional: true, maxLength: 64 } },
    async ({ params, services, caller }) => {
      const given = params.userid;
      const error = given === undefined ? undefined : userIdError(given);
      if (error !== undefined) throw parameterError({ userid: error });
      await logoutEverywhere(services, (given as UserId | undefined) ?? caller.userid);
      return null;
    },
  );
}
