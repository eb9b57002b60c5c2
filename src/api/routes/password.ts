/**
 * `PUT /access/password`: a user changes their own password (proving the current one), or
 * an administrator changes someone else's. Not for API tokens; only root@pam changes
 * root@pam's.
 */
import { forbidden, parameterError, rejected } from '../../errors.js';
import { confirmPassword } from '../../services/login/login.js';
import { hashPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../auth/password.js';
import { ROOT_USERID, splitUserId } from '../../model/ids.js';
import { setPasswordHash } from '../../services/users.js';
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
    async ({ params, caller, checks, snapshot, services, now }) => {
      const userid = useridParam(params.userid);
      if (caller.userid !== userid) {
        try {
          checks.realmAllocate(userid);
          checks.useridGroup(['User.Modify'], userid);
        } catch {
          throw forbidden();
        }
      }
      if (caller.userid !== ROOT_USERID) {
        if (userid === ROOT_USERID) throw forbidden();
        const confirmation = params['confirmation-password'];
        if (confirmation === undefined)
          throw parameterError({ 'confirmation-password': 'password is required to modify user' });
        await confirmPassword(snapshot, api.login.environment, caller.userid, confirmation, now);
      }
      const realm = splitUserId(userid).realm;
      const type = snapshot.domains.realms.get(realm)?.type ?? realm;
      if (type !== 'pve') throw rejected(`can't set password on auth type '${type}'`);
      await setPasswordHash(services, userid, await hashPassword(params.password));
      return null;
    },
    { tokens: false },
  );
}
