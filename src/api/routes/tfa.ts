/**
 * A user's second factors as the user administration sees them: which kinds the user and
 * the realm have (`GET /access/users/{userid}/tfa`), and lifting lockouts
 * (`PUT /access/users/{userid}/unlock-tfa`). Enrollment comes with the TFA management API.
 */
import { forbidden } from '../../errors.js';
import { splitUserId } from '../../model/ids.js';
import { unlockTfa } from '../../services/tfa.js';
import type { OperationRegistry } from '../operation.js';
import { useridParam } from './users.js';
import { USERID_DOC } from './param-docs.js';

export function tfaOperations(api: OperationRegistry): void {
  api.operation(
    'GET',
    '/access/users/:userid/tfa',
    {
      userid: { type: 'string', ...USERID_DOC },
      multiple: {
        type: 'boolean',
        optional: true,
        default: 0,
        description: 'List every kind of second factor the user has, not only the first.',
      },
    },
    ({ params, snapshot, checks, caller }) => {
      const userid = useridParam(params.userid);
      if (caller.token !== undefined || caller.userid !== userid) {
        try {
          checks.useridGroup(['User.Modify', 'Sys.Audit'], userid);
        } catch {
          throw forbidden();
        }
      }
      const realmTfa = snapshot.domains.realms.get(splitUserId(userid).realm)?.options.get('tfa');
      const realmType =
        typeof realmTfa === 'string'
          ? /(?:^|,)(?:type=)?(oath|yubico)/.exec(realmTfa)?.[1]
          : undefined;
      const user = snapshot.tfa.users.get(userid);
      const types = user
        ? [
            ...(user.totp.length > 0 ? ['totp'] : []),
            ...(user.u2f.length > 0 ? ['u2f'] : []),
            ...(user.webauthn.length > 0 ? ['webauthn'] : []),
            ...(user.recovery ? ['recovery'] : []),
            ...(user.yubico.length > 0 ? ['yubico'] : []),
          ]
        : [];
      return {
        ...(realmType !== undefined ? { realm: realmType } : {}),
        ...(types.length > 0 ? (params.multiple === true ? { types } : { user: types[0] }) : {}),
      };
    },
    { name: 'read_user_tfa_type', description: 'Which kinds of second factor a user has.' },
  );

  api.operation(
    'PUT',
    '/access/users/:userid/unlock-tfa',
    { userid: { type: 'string', ...USERID_DOC } },
    async ({ params, services, now }) => {
      const userid = useridParam(params.userid);
      return unlockTfa(services, userid, now);
    },
    {
      name: 'unlock_tfa',
      description: "Lifts a user's second-factor lockouts.",
      returns: { type: 'boolean' },
    },
  );
}
