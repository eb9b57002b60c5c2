/**
 * The connection and search settings of an `ldap` or `ad` realm, read from its domains.cfg
 * options with Proxmox's defaults: servers, port (636 for ldaps, else 389), mode (`secure`
 * still means ldaps), certificate checks (`verify` defaults to off, as in Proxmox; only with
 * it are the CA from `capath`, a file or a directory of certificates, and the client
 * certificate used), the TLS version, and what to search for users and groups.
 */
import type { ConnectionOptions, SecureVersion } from 'node:tls';
import { splitList } from '../model/text.js';
import { realmFlag as flag, realmText as text, type RealmConfig } from '../model/realm.js';
import { readCaPath, readRealmFile } from './realm-files.js';

export type LdapMode = 'ldap' | 'ldaps' | 'ldap+starttls';

export interface LdapSettings {
  readonly realm: string;
  readonly type: 'ldap' | 'ad';
  readonly servers: readonly string[];
  readonly port: number;
  readonly mode: LdapMode;
  readonly tls: ConnectionOptions;
  readonly baseDn: string | undefined;
  readonly userAttr: string;
  readonly bindDn: string | undefined;
  readonly bindPassword: string | undefined;
  /** cert and certkey are set: Proxmox then skips the anonymous bind. */
  readonly clientCertificate: boolean;
  /** Applies to a sync only, as in Proxmox (never to a login). */
  readonly filter: string | undefined;
  readonly userClasses: readonly string[];
  readonly groupDn: string | undefined;
  readonly groupFilter: string | undefined;
  readonly groupNameAttr: string | undefined;
  readonly groupClasses: readonly string[];
  /** LDAP attribute -> user field (email, firstname, ...). */
  readonly syncAttributes: ReadonlyMap<string, string>;
  readonly caseSensitive: boolean;
  /** AD: the domain users bind in (`user@domain`). */
  readonly domain: string | undefined;
}

const TLS_VERSIONS: Readonly<Record<string, SecureVersion>> = {
  tlsv1: 'TLSv1',
  tlsv1_1: 'TLSv1.1',
  tlsv1_2: 'TLSv1.2',
  tlsv1_3: 'TLSv1.3',
};

const DEFAULT_SSLVERSION = 'tlsv1_2';

const SYNC_TARGETS = new Set([
  'enable',
  'expire',
  'firstname',
  'lastname',
  'email',
  'comment',
  'keys',
]);

/** The protocol: `mode`, or ldaps where the deprecated `secure` is set, else plain LDAP. */
export function ldapMode(config: RealmConfig): LdapMode {
  const mode = text(config, 'mode');
  if (mode === 'ldaps' || mode === 'ldap+starttls' || mode === 'ldap') return mode;
  return flag(config, 'secure') === true ? 'ldaps' : 'ldap';
}

/**
 * TLS as Proxmox's `connect_and_bind` sets it up: with `verify`, the server certificate is
 * checked against `capath` (or the default CAs) and the client certificate is offered; without
 * it, neither the CA nor the client certificate is used. ldaps and StartTLS speak exactly
 * `sslversion`, TLS 1.2 unless set.
 */
async function tlsOptions(config: RealmConfig, mode: LdapMode): Promise<ConnectionOptions> {
  const verify = flag(config, 'verify') === true;
  const tls: { -readonly [K in keyof ConnectionOptions]: ConnectionOptions[K] } = {
    rejectUnauthorized: verify,
  };
  if (verify) {
    const capath = text(config, 'capath');
    if (capath !== undefined) tls.ca = await readCaPath(capath);
    const cert = text(config, 'cert');
    const certkey = text(config, 'certkey');
    if (cert !== undefined) tls.cert = await readRealmFile('cert', cert);
    if (certkey !== undefined) tls.key = await readRealmFile('certkey', certkey);
  }
  if (mode !== 'ldap') {
    const version = TLS_VERSIONS[text(config, 'sslversion') ?? DEFAULT_SSLVERSION];
    if (version !== undefined) {
      tls.minVersion = version;
      tls.maxVersion = version;
    }
  }
  return tls;
}

/** The settings, with the TLS files read (bounded, see realm-files.ts). */
export async function ldapSettings(
  config: RealmConfig,
  bindPassword: string | undefined,
): Promise<LdapSettings> {
  if (config.type !== 'ldap' && config.type !== 'ad')
    throw new Error(`realm '${config.realm}' is not a directory realm`);
  const mode = ldapMode(config);
  const port = Number(text(config, 'port') ?? (mode === 'ldaps' ? 636 : 389));
  const tls = await tlsOptions(config, mode);
  const syncAttributes = new Map<string, string>();
  // Proxmox maps attributes named like the fields by default; sync_attributes adds more.
  for (const target of SYNC_TARGETS) syncAttributes.set(target, target);
  for (const pair of (text(config, 'sync_attributes') ?? '').split(',')) {
    const match = /^\s*(\w+)=(.*\S)\s*$/.exec(pair);
    if (match?.[1] !== undefined && match[2] !== undefined && SYNC_TARGETS.has(match[1]))
      syncAttributes.set(match[2], match[1]);
  }
  return {
    realm: config.realm,
    type: config.type,
    servers: [text(config, 'server1'), text(config, 'server2')].filter(
      (s): s is string => s !== undefined && s !== '',
    ),
    port,
    mode,
    tls,
    baseDn: text(config, 'base_dn'),
    userAttr: text(config, 'user_attr') ?? (config.type === 'ad' ? 'sAMAccountName' : 'uid'),
    bindDn: text(config, 'bind_dn'),
    bindPassword,
    clientCertificate: text(config, 'cert') !== undefined && text(config, 'certkey') !== undefined,
    filter: text(config, 'filter'),
    userClasses: splitList(
      text(config, 'user_classes') ?? 'inetorgperson, posixaccount, person, user',
    ),
    groupDn: text(config, 'group_dn'),
    groupFilter: text(config, 'group_filter'),
    groupNameAttr: text(config, 'group_name_attr'),
    groupClasses: splitList(
      text(config, 'group_classes') ?? 'groupOfNames, group, univentionGroup, ipausergroup',
    ),
    syncAttributes,
    caseSensitive: flag(config, 'case-sensitive') !== false,
    domain: text(config, 'domain'),
  };
}
