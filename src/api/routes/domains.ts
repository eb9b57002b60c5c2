/** `/access/domains`: authentication realms (sync comes with the directory realms). */
import { parameterError, rejected } from '../../errors.js';
import { parseRealmId } from '../../model/ids.js';
import { isRealmType, REALM_OPTIONS, type RealmConfig } from '../../model/realm.js';
import { splitList } from '../../model/text.js';
import {
  createRealm,
  deleteRealm,
  domainsDigest,
  mayAllocateRealms,
  updateRealm,
  type RawOptions,
} from '../../services/realms.js';
import type { OperationRegistry } from '../operation.js';
import { formatChecked, parseChecked, type ParamSpec } from '../params.js';
import { DOMAIN_LIST } from './returns.js';

const OPTIONS: Record<string, ParamSpec> = Object.fromEntries(
  Object.entries(REALM_OPTIONS).map(([name, schema]) => [
    name,
    schema.type === 'boolean'
      ? ({ type: 'boolean', optional: true } as const)
      : schema.type === 'integer'
        ? ({ type: 'integer', optional: true } as const)
        : ({ type: 'string', optional: true } as const),
  ]),
);

function wireValue(value: string | number | boolean): string | number {
  return typeof value === 'boolean' ? (value ? 1 : 0) : value;
}

function options(raw: Record<string, unknown>): RawOptions {
  const out: Record<string, string | number | boolean> = {};
  for (const [name, value] of Object.entries(raw))
    if (
      name in REALM_OPTIONS &&
      (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    )
      out[name] = value;
  return out;
}

function summary(realm: RealmConfig): Record<string, unknown> {
  const comment = realm.options.get('comment');
  const tfa = realm.options.get('tfa');
  return {
    realm: realm.realm,
    type: realm.type,
    ...(comment !== undefined ? { comment } : {}),
    ...(realm.options.get('default') === true ? { default: 1 } : {}),
    ...(typeof tfa === 'string' ? { tfa: tfa.replace(/^type=/, '').split(',')[0] } : {}),
  };
}

export function domainOperations(api: OperationRegistry): void {
  api.openOperation(
    'GET',
    '/access/domains',
    {},
    ({ snapshot }) => [...snapshot.domains.realms.values()].map(summary),
    {
      name: 'index',
      description: 'Lists the authentication realms (also before login, for the login form).',
      returns: DOMAIN_LIST,
    },
  );

  api.operation(
    'GET',
    '/access/domains/:realm',
    { realm: { type: 'string' } },
    ({ params, snapshot, checks }) => {
      checks.perm('/access/realm', ['Realm.Allocate', 'Sys.Audit'], true);
      const realm = snapshot.domains.realms.get(parseRealmId(params.realm));
      if (!realm) throw rejected(`domain '${params.realm}' does not exist`);
      return {
        type: realm.type,
        ...Object.fromEntries([...realm.options].map(([name, value]) => [name, wireValue(value)])),
        digest: domainsDigest(snapshot),
      };
    },
    { name: 'read', description: "Shows a realm's settings." },
  );

  api.operation(
    'POST',
    '/access/domains',
    {
      realm: { type: 'string', maxLength: 32 },
      type: { type: 'string' },
      password: { type: 'string', optional: true },
      'check-connection': { type: 'boolean', optional: true },
      ...OPTIONS,
    },
    async ({ params, checks, services }) => {
      const { realm, type, password, 'check-connection': check, ...rest } = params;
      const [realmType, realmId] = parseChecked(
        () => {
          if (!isRealmType(type))
            throw parameterError({
              type: `value '${type}' does not have a value in the enumeration 'ad, ldap, openid, pam, pve'`,
            });
          return [type, formatChecked(() => parseRealmId(realm))] as const;
        },
        () => {
          mayAllocateRealms(checks);
        },
      );
      await createRealm(services, realmId, realmType, options(rest), password, check);
      return null;
    },
    { name: 'create', description: 'Adds an authentication realm.' },
  );

  api.operation(
    'PUT',
    '/access/domains/:realm',
    {
      realm: { type: 'string' },
      delete: { type: 'string', optional: true },
      digest: { type: 'string', optional: true },
      password: { type: 'string', optional: true },
      'check-connection': { type: 'boolean', optional: true },
      ...OPTIONS,
    },
    async ({ params, checks, services, snapshot }) => {
      const {
        realm,
        delete: deletions,
        digest: expected,
        password,
        'check-connection': check,
        ...rest
      } = params;
      const realmId = parseChecked(
        () => formatChecked(() => parseRealmId(realm)),
        () => {
          mayAllocateRealms(checks);
          if (expected !== undefined && expected !== domainsDigest(snapshot))
            throw rejected(
              'detected modified configuration - file changed by other user? Try again.',
            );
        },
      );
      await updateRealm(services, realmId, {
        options: options(rest),
        delete: splitList(deletions),
        ...(password !== undefined ? { password } : {}),
        ...(expected !== undefined ? { digest: expected } : {}),
        ...(check !== undefined ? { checkConnection: check } : {}),
      });
      return null;
    },
    { name: 'update', description: 'Changes an authentication realm.' },
  );

  api.operation(
    'DELETE',
    '/access/domains/:realm',
    { realm: { type: 'string' } },
    async ({ params, checks, services }) => {
      const realmId = parseChecked(
        () => formatChecked(() => parseRealmId(params.realm)),
        () => {
          mayAllocateRealms(checks);
        },
      );
      await deleteRealm(services, realmId);
      return null;
    },
    { name: 'delete', description: 'Deletes an authentication realm.' },
  );
}
