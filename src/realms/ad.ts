/**
 * The `ad` realm: Active Directory, reached over LDAP; a user binds as `<name>@<domain>`
 * and AD's reason codes (`data 52e`, `775`, ...) name the cause of a failure.
 */
import type { Realm } from './realm.js';
import { directoryRealm } from './directory-realm.js';

export const adRealm: Realm = directoryRealm('ad');
