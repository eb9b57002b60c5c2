/**
 * Talking to a directory for `ldap` and `ad` realms (ldapts): logging a user in and reading
 * users and groups for a sync. Every failure says precisely what broke, for the audit log
 * and the administrator (never for the client): the server unreachable, its certificate not
 * trusted, the service bind rejected, the user not found or excluded by the filter, the
 * wrong password. User names go into filters escaped (RFC 4515) and into DNs escaped
 * (RFC 4514), so a name cannot change what is searched for.
 */
import { isIP } from 'node:net';
import { TLSSocket } from 'node:tls';
import { Client, InvalidCredentialsError, NoSuchObjectError } from 'ldapts';
import { AuthFailure } from '../errors.js';
import { summarize, type CertificateSummary } from './certificate.js';
import type { LdapSettings } from './ldap-settings.js';

export type DirectoryCause =
  | 'ldap_unreachable'
  | 'ldap_tls'
  | 'ldap_bind_rejected'
  | 'ldap_user_not_found'
  | 'ldap_filter_excluded'
  | 'ldap_account_disabled'
  | 'ldap_password_expired'
  | 'ldap_error'
  | 'wrong_password';

const CONNECT_TIMEOUT_MS = 5_000;
const OPERATION_TIMEOUT_MS = 10_000;

const UNREACHABLE =
  /ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EPIPE|timed out|socket hang up|Connection closed/i;
const TLS_PROBLEM =
  /certificate|CERT_|SSL|TLS|self[- ]signed|altnames|handshake|UNABLE_TO_VERIFY|EPROTO/i;

function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && !err.message.includes(code)
    ? `${err.message} (${code})`
    : err.message;
}

/** Connection-level failures: the next server may do better. */
function connectionFailure(err: unknown, server: string): AuthFailure | undefined {
  const text = errorText(err);
  if (TLS_PROBLEM.test(text))
    return new AuthFailure(
      `LDAP server ${server}: TLS handshake or certificate check failed: ${text}`,
      'ldap_tls',
    );
  if (UNREACHABLE.test(text))
    return new AuthFailure(`LDAP server ${server} unreachable: ${text}`, 'ldap_unreachable');
  return undefined;
}

/** RFC 4515: a value inside a filter. */
export function escapeFilterValue(value: string): string {
  return value.replace(/[\\*()\0]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** RFC 4514: a value inside a DN. */
export function escapeDnValue(value: string): string {
  return value
    .replace(/[\\,+"<>;=]/g, (c) => `\\${c}`)
    .replace(/^[ #]/, (c) => `\\${c}`)
    .replace(/ $/, '\\ ')
    .replace(/\0/g, '\\00');
}

/** `(attr=value)` with the value escaped, combined with the realm's filter if it has one. */
function userFilter(attr: string, name: string, extra: string | undefined): string {
  const own = `(${attr}=${escapeFilterValue(name)})`;
  if (extra === undefined || extra.trim() === '') return own;
  const wrapped = /^\(.*\)$/s.test(extra.trim()) ? extra.trim() : `(${extra.trim()})`;
  return `(&${own}${wrapped})`;
}

export interface Connection {
  readonly client: Client;
  readonly server: string;
}

/**
 * Connects to the first server that answers (server1, then server2), upgrades with
 * StartTLS where configured, and binds as the service account when one is set.
 */
export async function withDirectory<T>(
  settings: LdapSettings,
  use: (connection: Connection) => Promise<T>,
  bindService = true,
): Promise<T> {
  if (settings.servers.length === 0)
    throw new AuthFailure(`realm '${settings.realm}' has no server`, 'ldap_error');
  let last: AuthFailure | undefined;
  for (const host of settings.servers) {
    const server = `${host}:${String(settings.port)}`;
    const tls = { ...settings.tls, ...(isIP(host) === 0 ? { servername: host } : {}) };
    const client = new Client({
      url: `${settings.mode === 'ldaps' ? 'ldaps' : 'ldap'}://${isIP(host) === 6 ? `[${host}]` : host}:${String(settings.port)}`,
      connectTimeout: CONNECT_TIMEOUT_MS,
      timeout: OPERATION_TIMEOUT_MS,
      // ldapts speaks TLS from the start whenever it is given TLS options.
      ...(settings.mode === 'ldaps' ? { tlsOptions: tls } : {}),
    });
    try {
      try {
        if (settings.mode === 'ldap+starttls') await client.startTLS(tls);
        if (bindService && settings.bindDn !== undefined) {
          if (settings.bindPassword === undefined || settings.bindPassword === '')
            throw new AuthFailure(
              `realm '${settings.realm}' has bind_dn '${settings.bindDn}' but no bind password`,
              'ldap_bind_rejected',
            );
          await client.bind(settings.bindDn, settings.bindPassword);
        } else if (settings.mode !== 'ldap+starttls') {
          // Anonymous: nothing to send yet, but the connection must be known to work.
          await client.search('', {
            scope: 'base',
            filter: '(objectClass=*)',
            attributes: ['1.1'],
          });
        }
      } catch (err) {
        if (err instanceof AuthFailure) throw err;
        const failure = connectionFailure(err, server);
        if (failure) {
          last = failure;
          continue;
        }
        if (err instanceof InvalidCredentialsError)
          throw new AuthFailure(
            `LDAP server ${server} rejected the bind DN '${settings.bindDn ?? ''}': invalid credentials`,
            'ldap_bind_rejected',
          );
        throw new AuthFailure(`LDAP server ${server}: ${errorText(err)}`, 'ldap_error');
      }
      return await use({ client, server });
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }
  throw last ?? new AuthFailure('no LDAP server answered', 'ldap_unreachable');
}

async function findUserDn(
  settings: LdapSettings,
  { client, server }: Connection,
  username: string,
): Promise<string> {
  const base = settings.baseDn ?? '';
  const search = async (filter: string) =>
    (await client.search(base, { scope: 'sub', filter, attributes: ['1.1'], sizeLimit: 2 }))
      .searchEntries;
  let entries;
  try {
    entries = await search(userFilter(settings.userAttr, username, settings.filter));
  } catch (err) {
    if (err instanceof NoSuchObjectError)
      throw new AuthFailure(
        `LDAP server ${server}: base DN '${base}' does not exist`,
        'ldap_error',
      );
    throw new AuthFailure(
      `LDAP server ${server}: user search failed: ${errorText(err)}`,
      'ldap_error',
    );
  }
  const [entry, second] = entries;
  if (second !== undefined)
    throw new AuthFailure(
      `more than one entry with ${settings.userAttr}=${username} under '${base}'`,
      'ldap_user_not_found',
    );
  if (entry) return entry.dn;
  if (
    settings.filter !== undefined &&
    (await search(userFilter(settings.userAttr, username, undefined))).length > 0
  )
    throw new AuthFailure(
      `user '${username}' exists under '${base}' but the realm's filter '${settings.filter}' excludes it`,
      'ldap_filter_excluded',
    );
  throw new AuthFailure(
    `no entry with ${settings.userAttr}=${username} under '${base}' on ${server}`,
    'ldap_user_not_found',
  );
}

/** Active Directory's reason inside an invalid-credentials answer (`data 52e`, ...). */
function adReason(err: InvalidCredentialsError): AuthFailure {
  const code = /data ([0-9a-f]{3})/i.exec(err.message)?.[1]?.toLowerCase();
  switch (code) {
    case '525':
      return new AuthFailure('the directory does not know the user', 'ldap_user_not_found');
    case '530':
    case '531':
    case '533':
    case '701':
      return new AuthFailure(
        `the directory account is disabled or restricted (data ${code})`,
        'ldap_account_disabled',
      );
    case '532':
    case '773':
      return new AuthFailure(
        `the directory password has expired or must be changed (data ${code})`,
        'ldap_password_expired',
      );
    case '775':
      return new AuthFailure(
        'the directory account is locked out (data 775)',
        'ldap_account_disabled',
      );
    default:
      return new AuthFailure('invalid credentials', 'wrong_password');
  }
}

/**
 * Checks a user's password against the directory. `ldap`: with a service account or a
 * filter, the user's entry is searched first; otherwise the DN is `<user_attr>=<name>,<base_dn>`
 * (as in Proxmox). `ad`: binds as `<name>@<domain>`.
 */
export async function directoryLogin(
  settings: LdapSettings,
  username: string,
  password: string,
): Promise<void> {
  // An empty password is an anonymous bind to many servers: never a successful login.
  if (password === '') throw new AuthFailure('empty password', 'wrong_password');
  const ad = settings.type === 'ad';
  const searchFirst = !ad && (settings.bindDn !== undefined || settings.filter !== undefined);
  await withDirectory(
    settings,
    async (connection) => {
      const dn = ad
        ? username.includes('@') || settings.domain === undefined
          ? username
          : `${username}@${settings.domain}`
        : searchFirst
          ? await findUserDn(settings, connection, username)
          : `${settings.userAttr}=${escapeDnValue(username)},${settings.baseDn ?? ''}`;
      try {
        await connection.client.bind(dn, password);
      } catch (err) {
        if (err instanceof InvalidCredentialsError) {
          if (ad) throw adReason(err);
          throw new AuthFailure(`invalid credentials for '${dn}'`, 'wrong_password');
        }
        if (err instanceof NoSuchObjectError)
          throw new AuthFailure(`no entry '${dn}'`, 'ldap_user_not_found');
        throw (
          connectionFailure(err, connection.server) ??
          new AuthFailure(`bind as '${dn}' failed: ${errorText(err)}`, 'ldap_error')
        );
      }
    },
    searchFirst,
  );
}

/**
 * Connects and binds as a login or a sync would (the service account, or anonymously), and
 * reads the server's certificate when the connection uses TLS: the directory realms' check.
 */
export async function probeDirectory(
  settings: LdapSettings,
): Promise<{ server: string; certificate?: CertificateSummary }> {
  return withDirectory(settings, ({ client, server }) => {
    // ldapts keeps its socket private; after ldaps or StartTLS it is a TLS socket.
    const socket = (client as unknown as { socket?: unknown }).socket;
    const peer = socket instanceof TLSSocket ? socket.getPeerX509Certificate() : undefined;
    return Promise.resolve(peer ? { server, certificate: summarize(peer) } : { server });
  });
}
