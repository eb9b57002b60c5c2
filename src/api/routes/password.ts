/**
 * `PUT /access/password`: a user changes their own password (proving the current one), or
 * an administrator changes someone else's. Not for API tokens; only root@pam changes
 * root@pam's.
 */
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../auth/password.js';
import { changePassword } from '../../services/users.js';
import type { Api } from '../app.js';
import { useridParam } from './users.js';

export function passwordRoutes(api: Api): void {
  api.route(
    'PUT',
    '/access/password',
    {
      userid: { type: 'string', maxLength: 64 },
      password: { type: 'string', minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH },
      'confirmation-password': { type: 'string', optional: true, minLength: 5, maxLength: 64 },
    },
    async ({ params, services }) => {
      const userid = useridParam(params.userid);
      await changePassword(services, userid, params.password, params['confirmation-password']);
      return null;
    },
    { tokens: false },
  );
}
