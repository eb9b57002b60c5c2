/**
 * What the first start of `serve` writes into an empty store: the built-in realms `pam` and
 * `pve`, `root@pam`, and the bootstrap administrator `admin@pve` with Administrator on `/`;
 * and how an import recognises a store that holds nothing more. Pure: no hashing, no I/O.
 */
import { parseAclPath } from '../model/acl-path.js';
import { ROOT_USERID, splitUserId, type RealmId, type UserId } from '../model/ids.js';
import { ADMINISTRATOR } from '../model/roles.js';
import { BUILTIN_REALM_COMMENTS, type RealmConfig } from '../model/realm.js';
import {
  encodeAclNode,
  encodePassword,
  encodeRealm,
  encodeUser,
  isConfigurationKey,
  KEYS,
} from '../store/codec.js';
import type { StoreSnapshot } from '../store/config-store.js';
import type { AccessConfig } from '../store/encode.js';
import type { AccessSnapshot } from '../store/snapshot.js';
import type { AclNode } from '../model/user-config.js';

export const BOOTSTRAP_ADMIN = 'admin@pve' as UserId;
const PASSWORD_KEY = KEYS.password(BOOTSTRAP_ADMIN);

function builtinRealm(realm: 'pam' | 'pve'): RealmConfig {
  return {
    realm: realm as RealmId,
    type: realm,
    options: new Map([['comment', BUILTIN_REALM_COMMENTS[realm]]]),
  };
}

/** A store the first start sets up: no user and no realm at all. */
export function isUnconfigured(snapshot: AccessSnapshot): boolean {
  return snapshot.users.users.size === 0 && snapshot.domains.realms.size === 0;
}

/** Every entry the first start writes, key by key. */
export function firstStartEntries(passwordHash: string): Map<string, string> {
  return new Map([
    [KEYS.realm('pve' as RealmId), encodeRealm(builtinRealm('pve'), 1)],
    [KEYS.realm('pam' as RealmId), encodeRealm(builtinRealm('pam'), 2)],
    [KEYS.user(ROOT_USERID), encodeUser({ userid: ROOT_USERID, enable: true, expire: 0 })],
    [
      KEYS.user(BOOTSTRAP_ADMIN),
      encodeUser({
        userid: BOOTSTRAP_ADMIN,
        enable: true,
        expire: 0,
        comment: 'Bootstrap administrator',
      }),
    ],
    [PASSWORD_KEY, encodePassword(passwordHash, 1)],
    [
      KEYS.acl(parseAclPath('/')),
      encodeAclNode({
        users: new Map([[BOOTSTRAP_ADMIN, new Map([[ADMINISTRATOR, true]])]]),
        groups: new Map(),
        tokens: new Map(),
      }),
    ],
  ]);
}

/**
 * The configuration entries of the store that the first start did not write as they are: an
 * empty list means the store holds what the first start made and nothing else (the
 * administrator may have changed the password), so importing over it loses nothing.
 */
export function beyondFirstStart(snapshot: StoreSnapshot): string[] {
  const expected = firstStartEntries('');
  return [...snapshot.entries]
    .filter(([key, entry]) => {
      if (!isConfigurationKey(key)) return false;
      if (key === PASSWORD_KEY) return false;
      return expected.get(key) !== entry.value;
    })
    .map(([key]) => key);
}

/**
 * The imported configuration with the bootstrap administrator of `current` kept: its
 * account, password, second factors and Administrator on `/`. An import must not take away
 * the way in that the first start printed; an imported `admin@pve` of its own wins.
 * `undefined` when there is nothing to keep.
 */
export function keepBootstrapAdmin(
  imported: AccessConfig,
  current: AccessSnapshot,
): AccessConfig | undefined {
  const name = splitUserId(BOOTSTRAP_ADMIN).name;
  const user = current.users.users.get(BOOTSTRAP_ADMIN);
  const hash = current.shadow.get(name);
  const root = parseAclPath('/');
  const administers = current.users.acl.get(root)?.users.get(BOOTSTRAP_ADMIN)?.get(ADMINISTRATOR);
  if (!user || hash === undefined || administers === undefined) return undefined;
  if (imported.users.users.has(BOOTSTRAP_ADMIN)) return undefined;

  const node: AclNode = imported.users.acl.get(root) ?? {
    users: new Map(),
    groups: new Map(),
    tokens: new Map(),
  };
  const roles = new Map(node.users.get(BOOTSTRAP_ADMIN) ?? []);
  roles.set(ADMINISTRATOR, administers);
  const acl = new Map(imported.users.acl);
  acl.set(root, { ...node, users: new Map(node.users).set(BOOTSTRAP_ADMIN, roles) });
  const factors = current.tfa.users.get(BOOTSTRAP_ADMIN);
  return {
    ...imported,
    users: {
      ...imported.users,
      users: new Map(imported.users.users).set(BOOTSTRAP_ADMIN, user),
      acl,
    },
    shadow: new Map(imported.shadow).set(name, hash),
    tfa: factors
      ? { ...imported.tfa, users: new Map(imported.tfa.users).set(BOOTSTRAP_ADMIN, factors) }
      : imported.tfa,
  };
}
