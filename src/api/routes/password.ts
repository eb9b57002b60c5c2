/**
 * `PUT /access/password`: a user changes their own password (proving the current one), or
 * an administrator changes someone else's. Not for API tokens; only root@pam changes
 * root@pam's. The current password is checked as a login's: under the login throttle, an
 * `authentication failure` line when wrong, and the failure delay before the 401. Unlike
 * Proxmox (at most 64 characters, else 400), any length reaches that check, which refuses
 * what is too long without hashing it.
 */
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../auth/password-limits.js';
import { changePassword } from '../../services/users.js';
import type { Api } from '../app.js';
import { reentryGuard, withFailureDelay } from '../reentry-guard.js';
import { useridParam } from './users.js';

export function passwordRoutes(api: Api): void {
  const guard = reentryGuard(api, 'current password for a password change');
  api.route(
    'PUT',
    '/access/password',
    {
      userid: { type: 'string', maxLength: 64 },
      password: { type: 'string', minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH },
      'confirmation-password': { type: 'string', optional: true, minLength: 5 },
    },
    async ({ params, services }) => {
      const userid = useridParam(params.userid);
      await withFailureDelay(api, () =>
        changePassword(services, userid, params.password, params['confirmation-password'], guard),
      );
      return null;
    },
    { tokens: false },
  );
}
