/** What the `ldap` and `ad` realms share: the directory is asked for passwords and for a sync. */
import { AuthFailure, rejected } from '../errors.js';
import { DirectoryFailure } from './directory-errors.js';
import { directoryLogin } from './directory-login.js';
import { probeDirectory, withDirectory } from './directory.js';
import { ldapSettings } from './ldap-settings.js';
import { readDirectory } from './ldap-sync.js';
import type { Realm } from './realm.js';

function fileProblem(realm: string, err: unknown): AuthFailure {
  return new AuthFailure(
    `realm '${realm}': ${err instanceof Error ? err.message : String(err)}`,
    'ldap_error',
  );
}

export function directoryRealm(type: 'ldap' | 'ad'): Realm {
  return {
    type,
    async authenticate({ config, snapshot, user, password }) {
      try {
        await directoryLogin(
          await ldapSettings(config, snapshot.realmSecrets.get(config.realm)),
          user,
          password,
        );
      } catch (err) {
        if (err instanceof AuthFailure) throw err;
        // Reading the realm's TLS files, for example.
        throw fileProblem(config.realm, err);
      }
      return { rehash: false };
    },
    readDirectory: async (config, secret, scope) =>
      readDirectory(await ldapSettings(config, secret), scope),
    async check(config, secret) {
      return { kind: 'directory', ...(await probeDirectory(await ldapSettings(config, secret))) };
    },
    // Proxmox's check_connection: connect_and_bind, for `ad` realms too.
    async checkConnection(config, secret) {
      try {
        await withDirectory(await ldapSettings(config, secret), () => Promise.resolve());
      } catch (err) {
        if (err instanceof DirectoryFailure) throw rejected(err.proxmoxMessage);
        if (err instanceof AuthFailure) throw rejected(err.message);
        throw rejected(err instanceof Error ? err.message : String(err));
      }
    },
  };
}
