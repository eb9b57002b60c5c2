/**
 * Turns a whole access configuration into store entries: what `import` writes and what a
 * Proxmox directory looks like as a store.
 */
import { parseAclPath } from '../model/acl-path.js';
import type { RealmId, TokenId, UserId } from '../model/ids.js';
import type { DomainsConfig } from '../model/realm.js';
import type { DatacenterConfig } from '../model/datacenter.js';
import type { TfaConfig } from '../model/tfa.js';
import type { UserConfig } from '../model/user-config.js';
import type { ShadowConfig } from '../formats/shadow-cfg.js';
import {
  encodeAclNode,
  encodeDatacenter,
  encodeGroup,
  encodePassword,
  encodePool,
  encodeRealm,
  encodeRole,
  encodeSecret,
  encodeTfaUser,
  encodeToken,
  encodeUser,
  KEYS,
} from './codec.js';

/** The whole access configuration: public parts and secrets. */
export interface AccessConfig {
  readonly users: UserConfig;
  readonly domains: DomainsConfig;
  /** pve-realm password hashes (crypt or argon2 strings) by user name without `@pve`. */
  readonly shadow: ShadowConfig;
  /**
   * API token secrets by token id: salted hashes (auth/token-secret.ts), or the plain
   * secret when the source is a Proxmox directory read in place.
   */
  readonly tokenSecrets: ReadonlyMap<TokenId, string>;
  /** Directory realms' bind passwords (Proxmox's priv/realm/<realm>.pw). */
  readonly realmSecrets: ReadonlyMap<RealmId, string>;
  readonly tfa: TfaConfig;
  /** datacenter.cfg, when the configuration has one. */
  readonly datacenter?: DatacenterConfig;
}

/** Every entity of the configuration as key -> value, realms and secrets in their order. */
export function encodeAccessConfig(config: AccessConfig): Map<string, string> {
  const out = new Map<string, string>();
  const { users } = config;
  for (const user of users.users.values()) out.set(KEYS.user(user.userid), encodeUser(user));
  for (const token of users.tokens.values()) out.set(KEYS.token(token.tokenid), encodeToken(token));
  for (const group of users.groups.values()) out.set(KEYS.group(group.groupid), encodeGroup(group));
  for (const role of users.roles.values()) out.set(KEYS.role(role.roleid), encodeRole(role));
  for (const pool of users.pools.values()) out.set(KEYS.pool(pool.poolid), encodePool(pool));
  for (const [path, node] of users.acl) out.set(KEYS.acl(parseAclPath(path)), encodeAclNode(node));
  let seq = 0;
  for (const realm of config.domains.realms.values())
    out.set(KEYS.realm(realm.realm), encodeRealm(realm, ++seq));
  seq = 0;
  for (const [name, hash] of config.shadow)
    out.set(KEYS.password(`${name}@pve` as UserId), encodePassword(hash, ++seq));
  for (const [tokenid, secret] of config.tokenSecrets)
    out.set(KEYS.tokenSecret(tokenid), encodeSecret(secret));
  for (const [realm, secret] of config.realmSecrets)
    out.set(KEYS.realmSecret(realm), encodeSecret(secret));
  seq = 0;
  for (const [userid, user] of config.tfa.users)
    out.set(KEYS.tfa(userid), encodeTfaUser(user, ++seq));
  if (config.datacenter !== undefined)
    out.set(KEYS.datacenter(), encodeDatacenter(config.datacenter));
  return out;
}
