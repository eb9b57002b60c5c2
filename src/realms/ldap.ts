/**
 * The `ldap` realm: passwords checked by binding to an LDAP directory, users and groups read
 * from it by a sync. The directory client is in directory.ts, shared with `ad`.
 */
import type { Realm } from './realm.js';
import { directoryRealm } from './directory-realm.js';

export const ldapRealm: Realm = directoryRealm('ldap');
