/** `/access/domains`: authentication realms (sync comes with the directory realms). */
import { parameterError, rejected } from '../../errors.js';
import { parseRealmId } from '../../model/ids.js';
import {
  isRealmType,
  REALM_OPTIONS,
  REALM_TYPES,
  type OptionSchema,
  type RealmConfig,
} from '../../model/realm.js';
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
import { DELETE_SETTINGS_DOC } from './param-docs.js';
import { DOMAIN_LIST } from './returns.js';

/**
 * A realm option as a parameter, with its help: Proxmox's type text is the option's
 * enumeration (sorted) or range where it has one, a list where its format is one.
 */
function optionParam(schema: OptionSchema): ParamSpec {
  const doc = { optional: true, description: schema.description } as const;
  switch (schema.type) {
    case 'boolean':
      return {
        type: 'boolean',
        ...doc,
        ...(schema.default !== undefined ? { default: schema.default ? 1 : 0 } : {}),
      };
    case 'integer':
      return {
        type: 'integer',
        ...doc,
        ...(schema.default !== undefined ? { default: schema.default } : {}),
        ...(schema.minimum !== undefined && schema.maximum !== undefined
          ? { typetext: `<integer> (${String(schema.minimum)} - ${String(schema.maximum)})` }
          : {}),
      };
    case 'string': {
      const typetext =
        schema.typetext ??
        (schema.enum !== undefined ? `<${[...schema.enum].sort().join(' | ')}>` : undefined);
      return {
        type: 'string',
        ...doc,
        ...(schema.default !== undefined ? { default: schema.default } : {}),
        ...(typetext !== undefined ? { typetext } : {}),
        ...(schema.format?.endsWith('-list') === true ? { list: true } : {}),
      };
    }
  }
}

/** The realm options as parameters, for the routes that take a realm's settings. */
export const OPTIONS: Record<string, ParamSpec> = Object.fromEntries(
  Object.entries(REALM_OPTIONS).map(([name, schema]) => [
    name,
    optionParam(schema as OptionSchema),
  ]),
);

const REALM = {
  type: 'string',
  description: 'The realm: the part after @ in the user ids it authenticates.',
} as const;

const CHECK_CONNECTION = {
  type: 'boolean',
  optional: true,
  default: 0,
  description:
    'Bind to the directory server with the settings first, and refuse them if that fails.',
} as const;

function wireValue(value: string | number | boolean): string | number {
  return typeof value === 'boolean' ? (value ? 1 : 0) : value;
}

/** The realm options among a request's parameters. */
export function options(raw: Record<string, unknown>): RawOptions {
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
    { realm: REALM },
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
      realm: { ...REALM, maxLength: 32 },
      type: {
        type: 'string',
        typetext: `<${[...REALM_TYPES].sort().join(' | ')}>`,
        description: 'The kind of realm; it decides which other options apply.',
      },
      password: { type: 'string', optional: true },
      'check-connection': CHECK_CONNECTION,
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
      realm: REALM,
      delete: { type: 'string', optional: true, ...DELETE_SETTINGS_DOC },
      digest: {
        type: 'string',
        optional: true,
        description:
          'Refuse the change if the realm configuration no longer has this digest (as read).',
      },
      password: { type: 'string', optional: true },
      'check-connection': CHECK_CONNECTION,
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
    { realm: REALM },
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
