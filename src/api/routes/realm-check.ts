/**
 * `POST /access/tessera/domains/check` (Tessera's own): "Test connection" of the realm form.
 * The settings of a realm, stored or not, are tried (directory bind, OpenID discovery) without
 * being stored; `Realm.Allocate` on /access/realm, as changing realms takes. The answer is
 * `{ ok, message }`; a failed connection is `ok: 0` with the reason, never the bind password.
 */
import { parameterError } from '../../errors.js';
import { parseRealmId, type RealmId } from '../../model/ids.js';
import { isRealmType, REALM_TYPES, type RealmType } from '../../model/realm.js';
import { splitList } from '../../model/text.js';
import { checkRealmSettings } from '../../services/realm-check.js';
import type { Api } from '../app.js';
import { formatChecked } from '../params.js';
import { OPTIONS, options } from './domains.js';

export function realmCheckRoutes(api: Api): void {
  api.route(
    'POST',
    '/access/tessera/domains/check',
    {
      realm: { type: 'string', optional: true, maxLength: 32 },
      type: { type: 'string', optional: true },
      delete: { type: 'string', optional: true, maxLength: 4096 },
      password: { type: 'string', optional: true },
      ...OPTIONS,
    },
    async ({ params, services }) => {
      const { realm, type, delete: deletions, password, ...rest } = params;
      const realmId: RealmId | undefined =
        realm === undefined ? undefined : formatChecked(() => parseRealmId(realm));
      let realmType: RealmType | undefined;
      if (type !== undefined) {
        if (!isRealmType(type))
          throw parameterError({
            type: `value '${type}' does not have a value in the enumeration '${[...REALM_TYPES].sort().join(', ')}'`,
          });
        realmType = type;
      }
      const result = await checkRealmSettings(services, {
        ...(realmId !== undefined ? { realm: realmId } : {}),
        ...(realmType !== undefined ? { type: realmType } : {}),
        options: options(rest),
        delete: splitList(deletions),
        ...(password !== undefined ? { password } : {}),
      });
      return { ok: result.ok ? 1 : 0, message: result.message };
    },
  );
}
