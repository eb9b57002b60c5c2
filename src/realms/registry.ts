/**
 * Which module serves which realm type: the one place a new realm type is registered.
 * (Its options in domains.cfg are vocabulary, in model/realm.ts, which the file formats read
 * without loading any realm.)
 */
import type { RealmType } from '../model/realm.js';
import { adRealm } from './ad.js';
import { ldapRealm } from './ldap.js';
import { openidRealm } from './openid.js';
import { pamRealm } from './pam.js';
import { pveRealm } from './pve.js';
import type { Realm } from './realm.js';

const REALMS: Readonly<Record<RealmType, Realm>> = {
  pam: pamRealm,
  pve: pveRealm,
  ldap: ldapRealm,
  ad: adRealm,
  openid: openidRealm,
};

export function realmFor(type: RealmType): Realm {
  return REALMS[type];
}
