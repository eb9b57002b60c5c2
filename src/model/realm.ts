/**
 * Realms (authentication domains) as Proxmox configures them in domains.cfg: five types,
 * each with its own set of options. Every option is described once here, with the type,
 * limits and default Proxmox gives it; the file parser, the writer and (later) the API all
 * validate against this table.
 */
import type { RealmId } from './ids.js';

export const REALM_TYPES = ['pam', 'pve', 'ldap', 'ad', 'openid'] as const;
export type RealmType = (typeof REALM_TYPES)[number];

export function isRealmType(value: string): value is RealmType {
  return (REALM_TYPES as readonly string[]).includes(value);
}

/** Formats checked by code rather than by a pattern. */
export type OptionFormat =
  | 'address'
  | 'ldap-simple-attr'
  | 'ldap-simple-attr-list'
  | 'pve-tfa-config'
  | 'realm-sync-options';

export type OptionSchema =
  | {
      readonly type: 'string';
      readonly maxLength?: number;
      readonly pattern?: RegExp;
      readonly format?: OptionFormat;
      readonly enum?: readonly string[];
      readonly default?: string;
      readonly description: string;
      /** How help shows the value where Proxmox's is not `<string>` or its enumeration. */
      readonly typetext?: string;
    }
  | { readonly type: 'boolean'; readonly default?: boolean; readonly description: string }
  | {
      readonly type: 'integer';
      readonly minimum?: number;
      readonly maximum?: number;
      readonly default?: number;
      readonly description: string;
    };

// Patterns are anchored here once; Proxmox anchors every schema pattern the same way.
const anchored = (source: string): RegExp => new RegExp(`^(?:${source})$`);

/** Every realm option of Proxmox VE 9.1, whatever the realm type. */
export const REALM_OPTIONS = {
  comment: {
    type: 'string',
    maxLength: 4096,
    description: "A free-text note; Proxmox's login form shows it as the realm's name.",
  },
  default: {
    type: 'boolean',
    description: 'Preselect this realm on the login form.',
  },
  tfa: {
    type: 'string',
    typetext:
      'type=<TFATYPE> [,digits=<COUNT>] [,id=<ID>] [,key=<KEY>] [,step=<SECONDS>] [,url=<URL>]',
    format: 'pve-tfa-config',
    maxLength: 128,
    description:
      'A second factor every user of the realm must use: type=oath (TOTP) or type=yubico, with its settings.',
  },
  server1: {
    type: 'string',
    format: 'address',
    maxLength: 256,
    description: 'Server IP address (or DNS name).',
  },
  server2: {
    type: 'string',
    format: 'address',
    maxLength: 256,
    description: 'Fallback server IP address (or DNS name).',
  },
  secure: { type: 'boolean', description: "Use LDAPS. Deprecated: use 'mode' instead." },
  sslversion: {
    type: 'string',
    enum: ['tlsv1', 'tlsv1_1', 'tlsv1_2', 'tlsv1_3'],
    description: 'Lowest TLS version for LDAPS and StartTLS.',
  },
  port: { type: 'integer', minimum: 1, maximum: 65535, description: 'Server port.' },
  domain: {
    type: 'string',
    typetext: '\\S+',
    pattern: anchored('\\S+'),
    maxLength: 256,
    description: 'The Active Directory domain name, such as example.com.',
  },
  base_dn: {
    type: 'string',
    maxLength: 256,
    description: 'Where users are searched in the directory, as in ou=people,dc=example,dc=com.',
  },
  user_attr: {
    type: 'string',
    typetext: '\\S{2,}',
    pattern: anchored('\\S{2,}'),
    maxLength: 256,
    description: 'The LDAP attribute that holds the user name (uid, sAMAccountName, ...).',
  },
  bind_dn: {
    type: 'string',
    maxLength: 256,
    description: 'The account to bind as for searches and sync; left out, an anonymous bind.',
  },
  password: {
    type: 'string',
    description:
      'The password of bind_dn on the directory server; kept in a file of its own, not in ' +
      'domains.cfg.',
  },
  verify: { type: 'boolean', default: false, description: "Verify the server's TLS certificate." },
  capath: {
    type: 'string',
    default: '/etc/ssl/certs',
    description: 'CA certificates: a directory, or a file.',
  },
  cert: { type: 'string', description: 'Path to the client certificate.' },
  certkey: { type: 'string', description: 'Path to the client certificate key.' },
  filter: { type: 'string', maxLength: 2048, description: 'LDAP filter for user sync.' },
  sync_attributes: {
    type: 'string',
    typetext: '\\w+=[^,]+(,\\s*\\w+=[^,]+)*',
    pattern: anchored('\\w+=[^,]+(,\\s*\\w+=[^,]+)*'),
    description:
      'Which LDAP attribute fills which user field on sync, as field=attribute pairs (email=mail).',
  },
  user_classes: {
    type: 'string',
    format: 'ldap-simple-attr-list',
    default: 'inetorgperson, posixaccount, person, user',
    description: 'The object classes of users.',
  },
  group_dn: {
    type: 'string',
    maxLength: 256,
    description: 'LDAP base domain name for group sync.',
  },
  group_name_attr: {
    type: 'string',
    format: 'ldap-simple-attr',
    maxLength: 256,
    description: "LDAP attribute with a group's name.",
  },
  group_filter: { type: 'string', maxLength: 2048, description: 'LDAP filter for group sync.' },
  group_classes: {
    type: 'string',
    format: 'ldap-simple-attr-list',
    default: 'groupOfNames, group, univentionGroup, ipausergroup',
    description: 'The object classes of groups.',
  },
  'sync-defaults-options': {
    type: 'string',
    typetext:
      '[enable-new=<1|0>] [,full=<1|0>] [,purge=<1|0>] [,remove-vanished=([acl];[properties];[entry])|none] [,scope=<users|groups|both>]',
    format: 'realm-sync-options',
    description:
      'What a realm sync does when not told otherwise: scope, which vanished users to remove, and so on.',
  },
  mode: {
    type: 'string',
    enum: ['ldap', 'ldaps', 'ldap+starttls'],
    default: 'ldap',
    description: 'LDAP protocol mode.',
  },
  'case-sensitive': {
    type: 'boolean',
    default: true,
    description: 'User names are case-sensitive.',
  },
  'issuer-url': { type: 'string', maxLength: 256, description: 'OpenID issuer URL.' },
  'client-id': { type: 'string', maxLength: 256, description: 'OpenID client id.' },
  'client-key': { type: 'string', maxLength: 256, description: 'OpenID client secret.' },
  autocreate: { type: 'boolean', default: false, description: 'Create users on first login.' },
  'username-claim': {
    type: 'string',
    description:
      'The OpenID claim that gives the user name (sub when not set); it cannot ' +
      'change once the realm exists.',
  },
  'groups-claim': {
    type: 'string',
    typetext: '(?^:[A-Za-z0-9\\.\\-_]+)',
    pattern: anchored('[A-Za-z0-9.\\-_]+'),
    maxLength: 256,
    description: 'The OpenID claim that lists the groups of the user.',
  },
  'groups-autocreate': {
    type: 'boolean',
    default: false,
    description: 'Create missing groups on login.',
  },
  'groups-overwrite': {
    type: 'boolean',
    default: false,
    description: 'Replace the groups of a user on login.',
  },
  prompt: {
    type: 'string',
    typetext: '(?:none|login|consent|select_account|\\S+)',
    pattern: anchored('(?:none|login|consent|select_account|\\S+)'),
    description:
      'Whether the OpenID provider asks the user to log in again or to consent (none, login, consent, ...).',
  },
  scopes: { type: 'string', default: 'email profile', description: 'OpenID scopes to request.' },
  // Characters RFC 2396 does not allow in a URI are refused.
  'acr-values': {
    type: 'string',
    typetext: '^[^\\x00-\\x1F\\x7F <>#"]*$',
    // eslint-disable-next-line no-control-regex
    pattern: /^[^\x00-\x1F\x7F <>#"]*$/,
    description:
      'Authentication context class references to ask the OpenID provider for, ' +
      'comma-separated.',
  },
  audiences: {
    type: 'string',
    typetext: '^[^\\x00-\\x1F\\x7F <>#"]*$',
    // eslint-disable-next-line no-control-regex
    pattern: /^[^\x00-\x1F\x7F <>#"]*$/,
    description:
      'Audiences, comma-separated, that Proxmox accepts in an ID token besides the client ' +
      'id; Tessera keeps the setting but does not use it.',
  },
  'query-userinfo': {
    type: 'boolean',
    default: true,
    description: 'Query the userinfo endpoint for claims.',
  },
} as const satisfies Record<string, OptionSchema>;

export type RealmOptionName = keyof typeof REALM_OPTIONS;

interface TypeOptions {
  /** Options that must be set when the realm is created. */
  readonly required: readonly RealmOptionName[];
  readonly optional: readonly RealmOptionName[];
  /** Options that cannot change once the realm exists. */
  readonly fixed: readonly RealmOptionName[];
}

const DIRECTORY_COMMON: readonly RealmOptionName[] = [
  'server2',
  'port',
  'secure',
  'sslversion',
  'default',
  'comment',
  'tfa',
  'verify',
  'capath',
  'cert',
  'certkey',
  'bind_dn',
  'password',
  'filter',
  'sync_attributes',
  'user_classes',
  'group_dn',
  'group_name_attr',
  'group_filter',
  'group_classes',
  'sync-defaults-options',
  'mode',
  'case-sensitive',
];

/** Which options each realm type takes. */
export const REALM_TYPE_OPTIONS: Readonly<Record<RealmType, TypeOptions>> = {
  pam: { required: [], optional: ['default', 'comment', 'tfa'], fixed: [] },
  pve: { required: [], optional: ['default', 'comment', 'tfa'], fixed: [] },
  ldap: { required: ['server1', 'base_dn', 'user_attr'], optional: DIRECTORY_COMMON, fixed: [] },
  ad: {
    required: ['server1', 'domain'],
    optional: [...DIRECTORY_COMMON, 'base_dn', 'user_attr'],
    fixed: [],
  },
  openid: {
    required: ['issuer-url', 'client-id'],
    optional: [
      'client-key',
      'autocreate',
      'username-claim',
      'groups-claim',
      'groups-autocreate',
      'groups-overwrite',
      'prompt',
      'scopes',
      'acr-values',
      'audiences',
      'default',
      'comment',
      'query-userinfo',
    ],
    fixed: ['username-claim'],
  },
};

export function optionAllowed(type: RealmType, name: string): name is RealmOptionName {
  const options = REALM_TYPE_OPTIONS[type];
  return (
    (options.required as readonly string[]).includes(name) ||
    (options.optional as readonly string[]).includes(name)
  );
}

export type OptionValue = string | number | boolean;

export interface RealmConfig {
  readonly realm: RealmId;
  readonly type: RealmType;
  /** Option values; `comment` is decoded text, booleans are booleans. */
  readonly options: ReadonlyMap<RealmOptionName, OptionValue>;
}

export interface DomainsConfig {
  /** Realms in file order; realms Tessera adds come last. */
  readonly realms: ReadonlyMap<RealmId, RealmConfig>;
}

export const BUILTIN_REALM_COMMENTS: Readonly<Record<'pam' | 'pve', string>> = {
  pve: 'Proxmox VE authentication server',
  pam: 'Linux PAM standard authentication',
};

/**
 * An OpenID Connect login between the redirect to the provider and the way back: what the
 * answer must match. Usable once, for {@link OIDC_STATE_SECONDS}.
 */
export interface PendingOidcLogin {
  readonly state: string;
  readonly realm: RealmId;
  readonly redirectUrl: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  /** Unix time the login started. */
  readonly created: number;
}

/** How long a user may take at the OpenID provider. */
export const OIDC_STATE_SECONDS = 600;

/**
 * OpenID logins pending in the whole cluster (each a few hundred bytes in the store), and
 * started per source and node within {@link OIDC_STATE_SECONDS}: far above what people
 * clicking "log in" cause, even an office behind one address.
 */
export const MAX_PENDING_OIDC_LOGINS = 10_000;
export const OIDC_STARTS_PER_SOURCE = 300;

/** An option's value as text (numbers as written), or `undefined` when it is not set. */
export function realmText(config: RealmConfig, name: RealmOptionName): string | undefined {
  const value = config.options.get(name);
  return value === undefined ? undefined : String(value);
}

/** A boolean option, or `undefined` when it is not set (then its default applies). */
export function realmFlag(config: RealmConfig, name: RealmOptionName): boolean | undefined {
  const value = config.options.get(name);
  if (value === undefined) return undefined;
  return value === true || value === 1 || value === '1';
}
