/**
 * The realm options the forms offer, per realm type, with labels (after src/model/realm.ts
 * REALM_OPTIONS and REALM_TYPE_OPTIONS; the browser does not import server code).
 */

export type RealmType = 'pam' | 'pve' | 'ldap' | 'ad' | 'openid';

export interface OptionSpec {
  readonly label: string;
  /** `tfa`: the realm's second factor, a choice with its settings (RealmTfa.tsx). */
  readonly kind: 'text' | 'number' | 'password' | 'bool' | 'select' | 'tfa';
  readonly choices?: readonly string[];
  /** A boolean's value when the option is not set. */
  readonly default?: boolean;
  readonly hint?: string;
}

export const OPTIONS: Readonly<Record<string, OptionSpec>> = {
  comment: { label: 'Comment', kind: 'text' },
  default: { label: 'Default realm on the login page', kind: 'bool', default: false },
  tfa: { label: 'Required second factor', kind: 'tfa' },
  domain: { label: 'Domain', kind: 'text', hint: 'The AD domain, for example example.com.' },
  server1: { label: 'Server', kind: 'text', hint: 'Host name or IP address.' },
  server2: { label: 'Fallback server', kind: 'text' },
  port: { label: 'Port', kind: 'number', hint: 'Empty: 389, or 636 for LDAPS.' },
  mode: {
    label: 'Mode',
    kind: 'select',
    choices: ['ldap', 'ldaps', 'ldap+starttls'],
    hint: 'Empty: ldap.',
  },
  sslversion: {
    label: 'Lowest TLS version',
    kind: 'select',
    choices: ['tlsv1', 'tlsv1_1', 'tlsv1_2', 'tlsv1_3'],
  },
  verify: { label: "Verify the server's certificate", kind: 'bool', default: false },
  capath: {
    label: 'CA certificates',
    kind: 'text',
    hint: 'A directory or file; empty: /etc/ssl/certs.',
  },
  cert: { label: 'Client certificate', kind: 'text', hint: 'Path on the server.' },
  certkey: { label: 'Client certificate key', kind: 'text', hint: 'Path on the server.' },
  base_dn: { label: 'Base DN', kind: 'text', hint: 'For example ou=people,dc=example,dc=com.' },
  user_attr: { label: 'User attribute', kind: 'text', hint: 'For example uid.' },
  bind_dn: { label: 'Bind DN', kind: 'text', hint: 'Empty: bind anonymously.' },
  password: { label: 'Bind password', kind: 'password' },
  filter: { label: 'User filter', kind: 'text' },
  user_classes: {
    label: 'User classes',
    kind: 'text',
    hint: 'Empty: inetorgperson, posixaccount, person, user.',
  },
  'case-sensitive': { label: 'User names are case-sensitive', kind: 'bool', default: true },
  group_dn: { label: 'Group base DN', kind: 'text' },
  group_name_attr: { label: 'Group name attribute', kind: 'text' },
  group_filter: { label: 'Group filter', kind: 'text' },
  group_classes: {
    label: 'Group classes',
    kind: 'text',
    hint: 'Empty: groupOfNames, group, univentionGroup, ipausergroup.',
  },
  sync_attributes: {
    label: 'Sync attributes',
    kind: 'text',
    hint: 'user field=LDAP attribute, for example email=mail,firstname=givenName.',
  },
  'sync-defaults-options': {
    label: 'Sync defaults',
    kind: 'text',
    hint: 'For example scope=both,enable-new=1,remove-vanished=acl;entry;properties.',
  },
  'issuer-url': { label: 'Issuer URL', kind: 'text' },
  'client-id': { label: 'Client ID', kind: 'text' },
  'client-key': { label: 'Client key', kind: 'text' },
  'username-claim': {
    label: 'Username claim',
    kind: 'text',
    hint: 'Empty: sub. Cannot change once the realm exists.',
  },
  scopes: { label: 'Scopes', kind: 'text', hint: 'Empty: email profile.' },
  prompt: { label: 'Prompt', kind: 'text', hint: 'none, login, consent or select_account.' },
  'acr-values': { label: 'ACR values', kind: 'text' },
  audiences: { label: 'Extra audiences', kind: 'text' },
  'query-userinfo': { label: 'Query the userinfo endpoint', kind: 'bool', default: true },
  autocreate: { label: 'Create users on first login', kind: 'bool', default: false },
  'groups-claim': { label: 'Groups claim', kind: 'text' },
  'groups-autocreate': { label: 'Create missing groups', kind: 'bool', default: false },
  'groups-overwrite': { label: "Replace the user's groups at login", kind: 'bool', default: false },
};

export interface TypeForm {
  readonly label: string;
  readonly required: readonly string[];
  /** Options that cannot change once the realm exists. */
  readonly fixed: readonly string[];
  readonly sections: readonly (readonly [title: string, options: readonly string[]])[];
}

const GENERAL = ['comment', 'default', 'tfa'];
const DIRECTORY_USERS = ['bind_dn', 'password', 'filter', 'user_classes', 'case-sensitive'];
const DIRECTORY_CONNECTION = [
  'server1',
  'server2',
  'port',
  'mode',
  'verify',
  'capath',
  'cert',
  'certkey',
  'sslversion',
];
const DIRECTORY_GROUPS = ['group_dn', 'group_name_attr', 'group_filter', 'group_classes'];
const DIRECTORY_SYNC = ['sync_attributes', 'sync-defaults-options'];

export const TYPE_FORMS: Readonly<Record<RealmType, TypeForm>> = {
  pam: { label: 'Linux PAM', required: [], fixed: [], sections: [['General', GENERAL]] },
  pve: { label: 'Proxmox VE', required: [], fixed: [], sections: [['General', GENERAL]] },
  ldap: {
    label: 'LDAP',
    required: ['server1', 'base_dn', 'user_attr'],
    fixed: [],
    sections: [
      ['General', GENERAL],
      ['Connection', DIRECTORY_CONNECTION],
      ['Users', ['base_dn', 'user_attr', ...DIRECTORY_USERS]],
      ['Groups', DIRECTORY_GROUPS],
      ['Sync', DIRECTORY_SYNC],
    ],
  },
  ad: {
    label: 'Active Directory',
    required: ['server1', 'domain'],
    fixed: [],
    sections: [
      ['General', GENERAL],
      ['Connection', ['domain', ...DIRECTORY_CONNECTION]],
      ['Users', ['base_dn', 'user_attr', ...DIRECTORY_USERS]],
      ['Groups', DIRECTORY_GROUPS],
      ['Sync', DIRECTORY_SYNC],
    ],
  },
  openid: {
    label: 'OpenID Connect',
    required: ['issuer-url', 'client-id'],
    fixed: ['username-claim'],
    sections: [
      ['General', ['comment', 'default']],
      [
        'Provider',
        [
          'issuer-url',
          'client-id',
          'client-key',
          'scopes',
          'prompt',
          'acr-values',
          'audiences',
          'query-userinfo',
        ],
      ],
      [
        'Users and groups',
        ['username-claim', 'autocreate', 'groups-claim', 'groups-autocreate', 'groups-overwrite'],
      ],
    ],
  },
};

export function isRealmType(value: string): value is RealmType {
  return value in TYPE_FORMS;
}

/** Every option a type's form shows. */
export function optionsOf(type: RealmType): string[] {
  return TYPE_FORMS[type].sections.flatMap(([, names]) => names);
}
