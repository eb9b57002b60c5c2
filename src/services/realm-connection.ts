/**
 * `check-connection` of `POST /access/domains` and `PUT /access/domains/{realm}`, as Proxmox
 * honours it: only `ldap` and `ad` realms take the option (given at all, even as 0); when set,
 * the realm connects and binds with the configuration about to be stored and its bind
 * password before anything is written, and a failure refuses the change with Proxmox's words
 * (`add auth server failed: ldap bind failed: Invalid credentials`).
 */
import { isTesseraError, rejected } from '../errors.js';
import type { RealmConfig, RealmType } from '../model/realm.js';

/** Refuses the option for realm types Proxmox refuses it for. */
export function mayCheckConnection(
  type: RealmType,
  checkConnection: boolean | undefined,
  failure: string,
): void {
  if (checkConnection !== undefined && type !== 'ldap' && type !== 'ad')
    throw rejected(
      `${failure}: 'check-connection' parameter can only be set for realms of type 'ldap' or 'ad'`,
      'check-connection',
    );
}

/** Connects and binds as `config` would, with `secret` as the bind password. */
export async function checkConnection(
  config: RealmConfig,
  secret: string | undefined,
  failure: string,
): Promise<void> {
  // The realm modules (directory and OpenID clients) load only when a connection is tried:
  // creating or changing a realm on the command line does not pay for them.
  const { realmFor } = await import('../realms/registry.js');
  const realm = realmFor(config.type);
  if (realm.checkConnection === undefined) return;
  try {
    await realm.checkConnection(config, secret);
  } catch (err) {
    if (isTesseraError(err, 'rejected')) throw rejected(`${failure}: ${err.message}`);
    throw err;
  }
}
