/**
 * Turns store entries into an {@link AccessSnapshot}, and keeps doing so as changes arrive:
 * each change re-decodes only its own key, so a watch on a large configuration swaps
 * snapshots without reading everything again.
 */
import type { Diagnostic } from '../formats/diagnostics.js';
import { compareCodePoints } from '../model/compare.js';
import type { AclPath } from '../model/acl-path.js';
import {
  asGroupId,
  asPoolId,
  asRealmId,
  asRoleId,
  asTokenId,
  asUserId,
  splitUserId,
  type GroupId,
  type PoolId,
  type RealmId,
  type RoleId,
  type TokenId,
  type UserId,
} from '../model/ids.js';
import type { DatacenterConfig } from '../model/datacenter.js';
import { PASSWORD_HASH_SETTING, type PasswordHashKind } from '../model/password-hash.js';
import type { PendingOidcLogin, RealmConfig } from '../model/realm.js';
import type { PendingChallenge, TfaUser } from '../model/tfa.js';
import type { AclNode, Group, Pool, Role, Token, User } from '../model/user-config.js';
import {
  aclPathOf,
  CodecError,
  decodeAclNode,
  decodeDatacenter,
  decodeGroup,
  decodePassword,
  decodePool,
  decodeRealm,
  decodeRole,
  decodeSecret,
  decodeOidcState,
  decodePasswordHashSetting,
  decodeSessions,
  decodeTfaChallenge,
  decodeTfaUser,
  decodeToken,
  decodeUser,
  parseKey,
} from './codec.js';
import type { StoreSnapshot } from './config-store.js';
import type { AccessSnapshot } from './snapshot.js';

interface Ordered<T> {
  readonly value: T;
  readonly seq: number;
}

function need<T>(id: T | undefined, what: string, raw: string): T {
  if (id === undefined) throw new CodecError(`invalid ${what} '${raw}'`);
  return id;
}

function byOrder<K extends string, T>(map: ReadonlyMap<K, Ordered<T>>): Map<K, T> {
  const sorted = [...map].sort(([a, x], [b, y]) => x.seq - y.seq || compareCodePoints(a, b));
  return new Map(sorted.map(([key, { value }]) => [key, value]));
}

export class SnapshotAssembler {
  private readonly users = new Map<UserId, User>();
  private readonly tokens = new Map<TokenId, Token>();
  private readonly groups = new Map<GroupId, Group>();
  private readonly roles = new Map<RoleId, Role>();
  private readonly pools = new Map<PoolId, Pool>();
  private readonly acl = new Map<AclPath, AclNode>();
  private readonly realms = new Map<RealmId, Ordered<RealmConfig>>();
  private readonly passwords = new Map<string, Ordered<string>>();
  private readonly tokenSecrets = new Map<TokenId, string>();
  private readonly realmSecrets = new Map<RealmId, string>();
  private readonly serverKeys = new Map<string, string>();
  private readonly tfa = new Map<UserId, Ordered<TfaUser>>();
  private readonly tfaChallenges = new Map<string, PendingChallenge>();
  private readonly oidcStates = new Map<string, PendingOidcLogin>();
  private readonly sessions = new Map<string, number>();
  private readonly revisions = new Map<string, number>();
  private readonly sequence = new Map<string, number>();
  private readonly problems = new Map<string, Diagnostic>();
  private datacenter: DatacenterConfig | undefined;
  private passwordHash: PasswordHashKind | undefined;

  constructor(private readonly sourceDiagnostics: readonly Diagnostic[] = []) {}

  static from(snapshot: StoreSnapshot): SnapshotAssembler {
    const assembler = new SnapshotAssembler(snapshot.diagnostics);
    for (const [key, entry] of snapshot.entries) assembler.set(key, entry.value, entry.revision);
    return assembler;
  }

  /** Applies one key's new value (`undefined`: deleted). */
  set(key: string, value: string | undefined, revision: number): void {
    const parsed = parseKey(key);
    if (!parsed) return;
    this.problems.delete(key);
    this.remove(parsed.kind, parsed.id);
    this.sequence.delete(key);
    if (value === undefined) {
      this.revisions.delete(key);
      return;
    }
    this.revisions.set(key, revision);
    try {
      const seq = this.add(parsed.kind, parsed.id, value);
      if (seq !== undefined) this.sequence.set(key, seq);
    } catch (err) {
      if (!(err instanceof CodecError)) throw err;
      this.problems.set(key, {
        file: key,
        line: 0,
        severity: 'error',
        message: `ignored: ${err.message}`,
      });
    }
  }

  build(revision: number): AccessSnapshot {
    const shadow = byOrder(this.passwords);
    return {
      revision,
      users: {
        users: new Map(this.users),
        tokens: new Map(this.tokens),
        groups: new Map(this.groups),
        roles: new Map(this.roles),
        pools: new Map(this.pools),
        acl: new Map(this.acl),
      },
      domains: { realms: byOrder(this.realms) },
      shadow,
      tokenSecrets: new Map(this.tokenSecrets),
      realmSecrets: new Map(this.realmSecrets),
      serverKeys: new Map(this.serverKeys),
      tfa: { users: byOrder(this.tfa) },
      ...(this.datacenter !== undefined ? { datacenter: this.datacenter } : {}),
      ...(this.passwordHash !== undefined ? { passwordHash: this.passwordHash } : {}),
      tfaChallenges: new Map(this.tfaChallenges),
      oidcStates: new Map(this.oidcStates),
      sessions: new Map(this.sessions),
      revisions: new Map(this.revisions),
      sequence: new Map(this.sequence),
      diagnostics: [...this.sourceDiagnostics, ...this.problems.values()],
    };
  }

  private remove(kind: string, id: string): void {
    switch (kind) {
      case 'user':
        this.users.delete(id as UserId);
        break;
      case 'token':
        this.tokens.delete(id as TokenId);
        break;
      case 'group':
        this.groups.delete(id as GroupId);
        break;
      case 'role':
        this.roles.delete(id as RoleId);
        break;
      case 'pool':
        this.pools.delete(id as PoolId);
        break;
      case 'acl':
        this.acl.delete(id as AclPath);
        break;
      case 'realm':
        this.realms.delete(id as RealmId);
        break;
      case 'tfa':
        this.tfa.delete(id as UserId);
        break;
      case 'tfaChallenge':
        this.tfaChallenges.delete(id);
        break;
      case 'oidcState':
        this.oidcStates.delete(id);
        break;
      case 'sessions':
        this.sessions.delete(id);
        break;
      case 'password':
        this.passwords.delete(shadowName(id));
        break;
      case 'tokenSecret':
        this.tokenSecrets.delete(id as TokenId);
        break;
      case 'realmSecret':
        this.realmSecrets.delete(id as RealmId);
        break;
      case 'serverKey':
        this.serverKeys.delete(id);
        break;
      case 'datacenter':
        this.datacenter = undefined;
        break;
      case 'setting':
        if (id === PASSWORD_HASH_SETTING) this.passwordHash = undefined;
        break;
    }
  }

  /** Decodes one entity; returns its sequence number if it has one. */
  private add(kind: string, id: string, value: string): number | undefined {
    switch (kind) {
      case 'user': {
        const userid = need(asUserId(id), 'user id', id);
        this.users.set(userid, decodeUser(userid, value));
        break;
      }
      case 'token': {
        const tokenid = need(asTokenId(id), 'token id', id);
        this.tokens.set(tokenid, decodeToken(tokenid, value));
        break;
      }
      case 'group': {
        const groupid = need(asGroupId(id), 'group id', id);
        this.groups.set(groupid, decodeGroup(groupid, value));
        break;
      }
      case 'role': {
        const roleid = need(asRoleId(id), 'role id', id);
        this.roles.set(roleid, decodeRole(roleid, value));
        break;
      }
      case 'pool': {
        const poolid = need(asPoolId(id), 'pool id', id);
        this.pools.set(poolid, decodePool(poolid, value));
        break;
      }
      case 'acl':
        this.acl.set(aclPathOf(id), decodeAclNode(value));
        break;
      case 'realm': {
        const realmid = need(asRealmId(id), 'realm', id);
        const { realm, seq } = decodeRealm(realmid, value);
        this.realms.set(realmid, { value: realm, seq });
        return seq;
      }
      case 'tfa': {
        const userid = need(asUserId(id), 'user id', id);
        const { user, seq } = decodeTfaUser(userid, value);
        this.tfa.set(userid, { value: user, seq });
        return seq;
      }
      case 'tfaChallenge':
        this.tfaChallenges.set(id, decodeTfaChallenge(id, value));
        break;
      case 'oidcState':
        this.oidcStates.set(id, decodeOidcState(id, value));
        break;
      case 'sessions':
        this.sessions.set(id, decodeSessions(value));
        break;
      case 'password': {
        const userid = need(asUserId(id), 'user id', id);
        if (splitUserId(userid).realm !== 'pve')
          throw new CodecError('only users of the pve realm have a stored password');
        const { hash, seq } = decodePassword(value);
        this.passwords.set(shadowName(id), { value: hash, seq });
        return seq;
      }
      case 'tokenSecret': {
        const tokenid = need(asTokenId(id), 'token id', id);
        this.tokenSecrets.set(tokenid, decodeSecret(value));
        break;
      }
      case 'serverKey':
        this.serverKeys.set(id, value);
        break;
      case 'datacenter':
        this.datacenter = decodeDatacenter(value);
        break;
      // Settings of later versions are left alone.
      case 'setting':
        if (id === PASSWORD_HASH_SETTING) this.passwordHash = decodePasswordHashSetting(value);
        break;
      case 'realmSecret': {
        const realmid = need(asRealmId(id), 'realm', id);
        this.realmSecrets.set(realmid, decodeSecret(value));
        break;
      }
    }
    return undefined;
  }
}

/** shadow.cfg names pve users without their realm. */
function shadowName(userid: string): string {
  return userid.endsWith('@pve') ? userid.slice(0, -'@pve'.length) : userid;
}

/** Builds the snapshot of a store snapshot in one go. */
export function assemble(snapshot: StoreSnapshot): AccessSnapshot {
  return SnapshotAssembler.from(snapshot).build(snapshot.revision);
}
