/**
 * The first start on an empty store: the built-in realms `pam` and `pve`, `root@pam`, and a
 * bootstrap administrator `admin@pve` with Administrator on `/` and a random password that
 * is returned once (the caller shows it and writes it to an owner-only file).
 */
import { randomBytes } from 'node:crypto';
import { hashPassword } from '../auth/password.js';
import { parseAclPath } from '../model/acl-path.js';
import type { RealmId, UserId } from '../model/ids.js';
import { ADMINISTRATOR } from '../model/roles.js';
import { BUILTIN_REALM_COMMENTS, type RealmConfig } from '../model/realm.js';
import { encodeAclNode, encodePassword, encodeRealm, encodeUser, KEYS } from '../store/codec.js';
import { commit, type ServiceContext } from './context.js';

export const BOOTSTRAP_ADMIN = 'admin@pve' as UserId;

function builtinRealm(realm: 'pam' | 'pve'): RealmConfig {
  return {
    realm: realm as RealmId,
    type: realm,
    options: new Map([['comment', BUILTIN_REALM_COMMENTS[realm]]]),
  };
}

/** Sets up an empty store; returns the administrator's password, or `undefined` if not empty. */
export async function bootstrap(ctx: ServiceContext): Promise<string | undefined> {
  const snapshot = await ctx.read();
  if (snapshot.users.users.size > 0 || snapshot.domains.realms.size > 0) return undefined;
  // 24 characters from a 64-letter alphabet: 144 bits.
  const password = randomBytes(18).toString('base64url');
  const hash = await hashPassword(password);
  return commit(ctx, 'bootstrap failed', (changes) => {
    if (changes.snapshot.users.users.size > 0 || changes.snapshot.domains.realms.size > 0)
      return undefined;
    changes.put(KEYS.realm('pve' as RealmId), encodeRealm(builtinRealm('pve'), 1));
    changes.put(KEYS.realm('pam' as RealmId), encodeRealm(builtinRealm('pam'), 2));
    const root = 'root@pam' as UserId;
    changes.put(KEYS.user(root), encodeUser({ userid: root, enable: true, expire: 0 }));
    changes.put(
      KEYS.user(BOOTSTRAP_ADMIN),
      encodeUser({
        userid: BOOTSTRAP_ADMIN,
        enable: true,
        expire: 0,
        comment: 'Bootstrap administrator',
      }),
    );
    changes.put(KEYS.password(BOOTSTRAP_ADMIN), encodePassword(hash, 1));
    changes.put(
      KEYS.acl(parseAclPath('/')),
      encodeAclNode({
        users: new Map([[BOOTSTRAP_ADMIN, new Map([[ADMINISTRATOR, true]])]]),
        groups: new Map(),
        tokens: new Map(),
      }),
    );
    return password;
  });
}
