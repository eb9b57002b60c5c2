/**
 * Talking to a directory for `ldap` and `ad` realms (ldapts), the way Proxmox's
 * `connect_and_bind` does: the first server of server1, server2 that answers; StartTLS where
 * configured; then the realm's bind DN with its password, or no bind at all when a client
 * certificate is configured (cert and certkey), or an anonymous bind; and without `base_dn`,
 * the base the directory names itself (the root DSE's `defaultNamingContext`, which Active
 * Directory publishes). Logins (directory-login.ts) and syncs (ldap-sync.ts) start here.
 * Every failure says precisely what broke, for the audit log and the administrator (never
 * for a client that logs in).
 */
import { isIP } from 'node:net';
import { TLSSocket } from 'node:tls';
import { Client, InvalidCredentialsError } from 'ldapts';
import { AuthFailure } from '../errors.js';
import { summarize, type CertificateSummary } from './certificate.js';
import { connectionFailure, DirectoryFailure, errorText, resultWords } from './directory-errors.js';
import type { LdapSettings } from './ldap-settings.js';

export type DirectoryCause =
  | 'ldap_unreachable'
  | 'ldap_tls'
  | 'ldap_bind_rejected'
  | 'ldap_user_not_found'
  | 'ldap_account_disabled'
  | 'ldap_password_expired'
  | 'ldap_error'
  | 'wrong_password';

const CONNECT_TIMEOUT_MS = 5_000;
// Net::LDAP's `timeout => 10`, for every operation.
const OPERATION_TIMEOUT_MS = 10_000;

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

export interface Connection {
  readonly client: Client;
  /** `host:port` of the server that answered. */
  readonly server: string;
}

export interface BoundConnection extends Connection {
  /** `base_dn`, or the directory's own `defaultNamingContext` when the realm sets none. */
  readonly baseDn: string | undefined;
}

function clientFor(settings: LdapSettings, host: string): { client: Client; server: string } {
  const server = `${host}:${String(settings.port)}`;
  const client = new Client({
    url: `${settings.mode === 'ldaps' ? 'ldaps' : 'ldap'}://${isIP(host) === 6 ? `[${host}]` : host}:${String(settings.port)}`,
    connectTimeout: CONNECT_TIMEOUT_MS,
    timeout: OPERATION_TIMEOUT_MS,
    // ldapts speaks TLS from the start whenever it is given TLS options.
    ...(settings.mode === 'ldaps' ? { tlsOptions: tlsFor(settings, host) } : {}),
  });
  return { client, server };
}

function tlsFor(settings: LdapSettings, host: string): LdapSettings['tls'] {
  return { ...settings.tls, ...(isIP(host) === 0 ? { servername: host } : {}) };
}

/**
 * Runs `use` on a connection to the first server that answers (server1, then server2), after
 * StartTLS where configured. A failure to connect (refused, timed out, TLS) moves on to the
 * next server; any other failure is final.
 */
export async function onFirstServer<T>(
  settings: LdapSettings,
  use: (connection: Connection) => Promise<T>,
): Promise<T> {
  if (settings.servers.length === 0)
    throw new DirectoryFailure(
      `realm '${settings.realm}' has no server`,
      'ldap_error',
      `realm '${settings.realm}' has no server`,
    );
  let last: DirectoryFailure | undefined;
  for (const host of settings.servers) {
    const { client, server } = clientFor(settings, host);
    try {
      if (settings.mode === 'ldap+starttls') await client.startTLS(tlsFor(settings, host));
      return await use({ client, server });
    } catch (err) {
      if (err instanceof AuthFailure) throw err;
      const failure = connectionFailure(err, server);
      if (!failure)
        throw new DirectoryFailure(
          `LDAP server ${server}: ${errorText(err)}`,
          'ldap_error',
          resultWords(err),
        );
      last = failure;
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }
  throw last ?? new DirectoryFailure('no LDAP server answered', 'ldap_unreachable', 'no server');
}

/** Wraps a failure of one step: connection trouble stays itself (the next server is tried). */
async function step<T>(
  server: string,
  work: () => Promise<T>,
  failure: (err: unknown) => DirectoryFailure,
): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof AuthFailure) throw err;
    if (connectionFailure(err, server)) throw err;
    throw failure(err);
  }
}

/** The bind of Proxmox's `connect_and_bind`: bind DN, nothing (client certificate), or anonymous. */
async function bindRealm(settings: LdapSettings, { client, server }: Connection): Promise<void> {
  if (settings.bindDn !== undefined) {
    const password = settings.bindPassword;
    if (password === undefined || password === '')
      throw new DirectoryFailure(
        `realm '${settings.realm}' has bind_dn '${settings.bindDn}' but no bind password`,
        'ldap_bind_rejected',
        `missing password for realm ${settings.realm}`,
      );
    const bindDn = settings.bindDn;
    await step(
      server,
      () => client.bind(bindDn, password),
      (err) =>
        new DirectoryFailure(
          err instanceof InvalidCredentialsError
            ? `LDAP server ${server} rejected the bind DN '${bindDn}': invalid credentials`
            : `LDAP server ${server}: bind as '${bindDn}' failed: ${errorText(err)}`,
          'ldap_bind_rejected',
          `ldap bind failed: ${resultWords(err)}`,
        ),
    );
    return;
  }
  // Proxmox skips the anonymous bind when the realm names a client certificate.
  if (settings.clientCertificate) return;
  await step(
    server,
    () => client.bind(''),
    (err) =>
      new DirectoryFailure(
        `LDAP server ${server} refused an anonymous bind: ${errorText(err)}`,
        'ldap_bind_rejected',
        `ldap bind failed: ${resultWords(err)}`,
      ),
  );
}

/** The root DSE's `defaultNamingContext`: where Proxmox searches when `base_dn` is unset. */
async function discoverBaseDn({ client, server }: Connection): Promise<string | undefined> {
  const { searchEntries } = await step(
    server,
    () =>
      client.search('', {
        scope: 'base',
        filter: '(objectClass=*)',
        attributes: ['defaultNamingContext'],
        sizeLimit: 1,
      }),
    (err) =>
      new DirectoryFailure(
        `LDAP server ${server}: reading the root DSE (for defaultNamingContext) failed: ${errorText(err)}`,
        'ldap_error',
        resultWords(err),
      ),
  );
  const value = searchEntries[0]?.['defaultNamingContext'];
  const first = Array.isArray(value) ? value[0] : value;
  const text = typeof first === 'string' ? first : first?.toString('utf8');
  return text === undefined || text === '' ? undefined : text;
}

/**
 * Connects and binds as Proxmox's `connect_and_bind` (the realm's bind DN, or anonymously),
 * finds the base DN, and runs `use`: for a sync, an LDAP login and `check-connection`.
 */
export function withDirectory<T>(
  settings: LdapSettings,
  use: (connection: BoundConnection) => Promise<T>,
): Promise<T> {
  return onFirstServer(settings, async (connection) => {
    await bindRealm(settings, connection);
    const baseDn = settings.baseDn ?? (await discoverBaseDn(connection));
    return use({ ...connection, baseDn });
  });
}

/**
 * Connects and binds as a sync would (the service account, or anonymously), and reads the
 * server's certificate when the connection uses TLS: the directory realms' check.
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
