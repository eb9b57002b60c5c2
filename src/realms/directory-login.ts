/**
 * A password checked against a directory, as Proxmox checks it.
 *
 * `ldap`: connect and bind as the realm does for a sync (its bind DN, or anonymously), search
 * the whole subtree of the base DN for `(<user_attr>=<name>)` (the name escaped, RFC 4515),
 * and bind as the entry found. The realm's `filter`, `user_classes` and the group settings
 * play no part: Proxmox applies them to a sync only. A name with two entries is refused, where
 * Proxmox would take whichever the server lists first (docs/compatibility.md).
 *
 * `ad`: bind as `<name>@<domain>` (the name as given when it holds an `@` or the realm has no
 * domain), with no bind DN and no search; Active Directory's reason codes name the cause.
 *
 * A user the directory does not have and a wrong password differ only in the cause recorded
 * for administrators; the client is answered alike, after the same failure delay.
 */
import { InvalidCredentialsError, NoSuchObjectError, SizeLimitExceededError } from 'ldapts';
import { AuthFailure } from '../errors.js';
import { connectionFailure, DirectoryFailure, errorText, resultWords } from './directory-errors.js';
import {
  escapeFilterValue,
  onFirstServer,
  withDirectory,
  type BoundConnection,
  type Connection,
} from './directory.js';
import type { LdapSettings } from './ldap-settings.js';

async function findUserDn(
  settings: LdapSettings,
  { client, server, baseDn }: BoundConnection,
  username: string,
): Promise<string> {
  const base = baseDn ?? '';
  const filter = `(${settings.userAttr}=${escapeFilterValue(username)})`;
  let entries;
  try {
    // Two entries are enough to know the name is ambiguous; the server stops there.
    entries = (
      await client.search(base, { scope: 'sub', filter, attributes: ['1.1'], sizeLimit: 2 })
    ).searchEntries;
  } catch (err) {
    if (err instanceof SizeLimitExceededError) entries = [{ dn: '' }, { dn: '' }];
    else if (connectionFailure(err, server)) throw err;
    else if (err instanceof NoSuchObjectError)
      throw new DirectoryFailure(
        `LDAP server ${server}: base DN '${base}' does not exist`,
        'ldap_error',
        resultWords(err),
      );
    else
      throw new DirectoryFailure(
        `LDAP server ${server}: user search ${filter} under '${base}' failed: ${errorText(err)}`,
        'ldap_error',
        resultWords(err),
      );
  }
  const [entry, second] = entries;
  if (second !== undefined)
    throw new DirectoryFailure(
      `more than one entry with ${settings.userAttr}=${username} under '${base}' on ${server}: refusing to guess`,
      'ldap_user_not_found',
      'user dn is ambiguous',
    );
  if (entry === undefined)
    throw new DirectoryFailure(
      `no entry with ${settings.userAttr}=${username} under '${base}' on ${server}` +
        (settings.bindDn === undefined ? ' (searched anonymously)' : ''),
      'ldap_user_not_found',
      'user dn is empty',
    );
  return entry.dn;
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

async function bindAsUser(
  type: 'ldap' | 'ad',
  { client, server }: Connection,
  dn: string,
  password: string,
): Promise<void> {
  try {
    await client.bind(dn, password);
  } catch (err) {
    if (err instanceof InvalidCredentialsError) {
      if (type === 'ad') throw adReason(err);
      throw new AuthFailure(`invalid credentials for '${dn}'`, 'wrong_password');
    }
    if (err instanceof NoSuchObjectError)
      throw new AuthFailure(`no entry '${dn}'`, 'ldap_user_not_found');
    if (connectionFailure(err, server)) throw err;
    throw new AuthFailure(`bind as '${dn}' failed: ${errorText(err)}`, 'ldap_error');
  }
}

/** The name an `ad` realm binds as: `<name>@<domain>` unless the name has its own domain. */
export function adBindName(settings: LdapSettings, username: string): string {
  return username.includes('@') || settings.domain === undefined
    ? username
    : `${username}@${settings.domain}`;
}

export async function directoryLogin(
  settings: LdapSettings,
  username: string,
  password: string,
): Promise<void> {
  // An empty password is an anonymous bind to many servers: never a successful login.
  if (password === '') throw new AuthFailure('empty password', 'wrong_password');
  if (settings.type === 'ad') {
    await onFirstServer(settings, (connection) =>
      bindAsUser('ad', connection, adBindName(settings, username), password),
    );
    return;
  }
  await withDirectory(settings, async (connection) => {
    const dn = await findUserDn(settings, connection, username);
    await bindAsUser('ldap', connection, dn, password);
  });
}
