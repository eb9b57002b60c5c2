/**
 * Realm sync (`POST /access/domains/{realm}/sync`, `tessera realm sync`): reads the directory,
 * plans the merge (realms/sync-plan.ts) on the newest configuration and commits it in one
 * transaction, or only reports it (`dry-run`). Options not given come from the realm's
 * `sync-defaults-options`; the deprecated `full` and `purge` map to `entry;properties` and
 * `acl`, as in Proxmox.
 */
import { TesseraError } from '../errors.js';
import { parsePropertyString, SchemaError, SYNC_OPTIONS_FORMAT } from '../formats/schema.js';
import type { GroupId, RealmId, TokenId, UserId } from '../model/ids.js';
import type { Group } from '../model/user-config.js';
import { encodeGroup, encodeUser, KEYS } from '../store/codec.js';
import type { DirectoryContents } from '../realms/ldap-sync.js';
import { realmFor } from '../realms/registry.js';
import type { Realm } from '../realms/realm.js';
import {
  parseRemoveVanished,
  planSync,
  SyncRefused,
  type SyncOptions,
  type SyncPlan,
} from '../realms/sync-plan.js';
import { removeMembersFromAcl } from './acl.js';
import { draft } from './audit.js';
import { authorize, type Authorization } from './authorize.js';
import { audited, commit, refuse, type Changes, type ServiceContext } from './context.js';

/** A sync takes `Realm.AllocateUser` on the realm and `User.Modify` on /access/groups. */
export function maySyncRealm(auth: Authorization, realm: RealmId): void {
  auth.perm(`/access/realm/${realm}`, ['Realm.AllocateUser']);
  auth.perm('/access/groups', ['User.Modify']);
}
import { deleteTokenEntities } from './entities.js';
import { revokeSessions } from './sessions.js';

export interface SyncRequest {
  readonly scope?: string;
  readonly 'remove-vanished'?: string;
  readonly 'enable-new'?: boolean;
  readonly full?: boolean;
  readonly purge?: boolean;
  readonly 'dry-run'?: boolean;
  /** Remove vanished entries even when the directory returned no users. */
  readonly force?: boolean;
}

export interface SyncReport {
  readonly log: readonly string[];
  readonly dryRun: boolean;
  readonly plan: SyncPlan;
}

function options(defaults: string | undefined, request: SyncRequest): SyncOptions {
  let stored: Record<string, unknown> = {};
  if (defaults !== undefined) {
    try {
      stored = parsePropertyString(SYNC_OPTIONS_FORMAT, defaults);
    } catch (err) {
      if (!(err instanceof SchemaError)) throw err;
      throw new TesseraError('invalid_value', `sync-defaults-options: ${err.message.trim()}`, {
        field: 'sync-defaults-options',
      });
    }
  }
  const pick = <K extends keyof SyncRequest>(key: K): SyncRequest[K] | undefined =>
    request[key] ?? (stored[key] as SyncRequest[K] | undefined);
  const scope = pick('scope');
  if (scope !== 'users' && scope !== 'groups' && scope !== 'both')
    throw new TesseraError(
      'invalid_value',
      scope === undefined
        ? "missing property 'scope' (and no sync-defaults-options of the realm sets it)"
        : `value '${scope}' does not have a value in the enumeration 'users, groups, both'`,
      { field: 'scope' },
    );
  const rules = parseRemoveVanished(pick('remove-vanished'));
  if (!rules)
    throw new TesseraError(
      'invalid_value',
      "expected 'acl', 'entry', 'properties' joined by ';', or 'none'",
      {
        field: 'remove-vanished',
      },
    );
  if (pick('full') === true) {
    rules.add('entry');
    rules.add('properties');
  }
  if (pick('purge') === true) rules.add('acl');
  const enableNew = pick('enable-new');
  return {
    scope,
    removeVanished: rules,
    // Stored defaults arrive parsed (booleans as 0/1 text or booleans).
    enableNew: enableNew === undefined || enableNew || String(enableNew) === '1',
    force: request.force === true,
  };
}

function apply(changes: Changes, plan: SyncPlan, now: number): void {
  const { snapshot } = changes;
  for (const user of plan.users) {
    changes.put(KEYS.user(user.userid), encodeUser(user));
    if (!user.enable && snapshot.users.users.get(user.userid)?.enable === true)
      revokeSessions(changes, user.userid, now);
  }
  const groups = new Map<GroupId, Group>(plan.groups.map((g) => [g.groupid, g]));
  const removedGroups = new Set(plan.removedGroups);
  const tokens: TokenId[] = [];
  for (const userid of plan.removedUsers) {
    changes.delete(KEYS.user(userid));
    revokeSessions(changes, userid, now);
    if (snapshot.revisions.has(KEYS.password(userid))) changes.delete(KEYS.password(userid));
    if (snapshot.revisions.has(KEYS.tfa(userid))) changes.delete(KEYS.tfa(userid));
    for (const tokenid of snapshot.users.tokens.keys())
      if (tokenid.startsWith(`${userid}!`)) {
        deleteTokenEntities(changes, tokenid);
        tokens.push(tokenid);
      }
    for (const group of snapshot.users.groups.values()) {
      if (removedGroups.has(group.groupid) || !group.members.has(userid)) continue;
      const current = groups.get(group.groupid) ?? group;
      const members = new Set(current.members);
      members.delete(userid);
      groups.set(group.groupid, { ...current, members });
    }
  }
  for (const group of groups.values())
    if (!removedGroups.has(group.groupid))
      changes.put(KEYS.group(group.groupid), encodeGroup(group));
  for (const groupid of removedGroups) changes.delete(KEYS.group(groupid));
  const aclUsers = new Set<UserId>([...plan.aclUsers, ...plan.removedUsers]);
  const aclGroups = new Set<GroupId>([...plan.aclGroups, ...plan.removedGroups]);
  if (aclUsers.size + aclGroups.size + tokens.length > 0)
    removeMembersFromAcl(changes, { users: [...aclUsers], groups: [...aclGroups], tokens });
}

/** Runs a sync; `read` replaces the realm's directory reader (for tests). */
export async function syncRealm(
  ctx: ServiceContext,
  realm: RealmId,
  request: SyncRequest,
  read?: Realm['readDirectory'],
): Promise<SyncReport> {
  const change = draft('realm', realm, 'sync', {
    scope: request.scope,
    'remove-vanished': request['remove-vanished'],
    'enable-new': request['enable-new'],
    full: request.full,
    purge: request.purge,
    'dry-run': request['dry-run'],
    force: request.force,
  });
  return audited(ctx, change, async () => {
    const auth = await authorize(ctx);
    maySyncRealm(auth, realm);
    const snapshot = auth.snapshot;
    const config = snapshot.domains.realms.get(realm);
    if (!config)
      throw new TesseraError('invalid_value', `domain '${realm}' does not exist`, {
        field: 'realm',
      });
    const reader = read ?? realmFor(config.type).readDirectory;
    if (!reader)
      throw new TesseraError(
        'invalid_value',
        `realm '${realm}' of type '${config.type}' cannot be synced`,
        {
          field: 'realm',
        },
      );
    const defaults = config.options.get('sync-defaults-options');
    const chosen = options(typeof defaults === 'string' ? defaults : undefined, request);
    const directory: DirectoryContents = await reader(
      config,
      snapshot.realmSecrets.get(realm),
      chosen.scope,
    );
    const dryRun = request['dry-run'] === true;
    const plan = await commit(
      ctx,
      'sync failed',
      (changes) => {
        let decided: SyncPlan;
        try {
          decided = planSync(changes.snapshot.users, realm, directory, chosen);
        } catch (err) {
          if (err instanceof SyncRefused) throw refuse(err.message, 'remove-vanished');
          throw err;
        }
        if (!dryRun) apply(changes, decided, ctx.now());
        return decided;
      },
      change,
    );
    const log = [
      ...directory.warnings.map((w) => `warning: ${w}`),
      ...plan.log,
      dryRun ? 'dry run: nothing was changed' : 'successfully updated configuration',
    ];
    return { log, dryRun, plan };
  });
}
