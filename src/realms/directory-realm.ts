/** What the `ldap` and `ad` realms share: the directory is asked for passwords and for a sync. */
import { AuthFailure } from '../errors.js';
import { directoryLogin, probeDirectory } from './directory.js';
import { ldapSettings } from './ldap-settings.js';
import { readDirectory } from './ldap-sync.js';
import type { Realm } from './realm.js';

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
        throw new AuthFailure(
          `realm '${config.realm}': ${err instanceof Error ? err.message : String(err)}`,
          'ldap_error',
        );
      }
      return { rehash: false };
    },
    readDirectory: async (config, secret, scope) =>
      readDirectory(await ldapSettings(config, secret), scope),
    async check(config, secret) {
      return { kind: 'directory', ...(await probeDirectory(await ldapSettings(config, secret))) };
    },
  };
}
