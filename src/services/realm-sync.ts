/**
 * Realm sync (`POST /access/domains/{realm}/sync`, `tessera realm sync`): reads the directory,
 * plans the merge (realms/sync-plan.ts) on the newest configuration and commits it in one
 * transaction, or only reports it (`dry-run`). Options not given come from the realm's
 * `sync-defaults-options`; the deprecated `full` and `purge` map to `entry;properties` and
 * `acl`, as in Proxmox.
 */
import { rejected, TesseraError } from '../errors.js';
import { parsePropertyString, SchemaError, SYNC_OPTIONS_FORMAT } from '../formats/schema.js';
import type { GroupId, RealmId, TokenId, UserId } from '../model/ids.js';
import type { RealmConfig } from '../model/realm.js';
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
import { draft, type ChangeDraft } from './audit.js';
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

/** How a run reports as it goes (the task log) and learns that it is to stop. */
export interface SyncProgress {
  /** Called with each log line as it happens. */
  readonly say?: (line: string) => void;
  /** A stopped sync ends before it commits (and so changes nothing). */
  readonly signal?: AbortSignal;
}

interface CheckedSync {
  readonly config: RealmConfig;
  readonly chosen: SyncOptions;
  readonly reader: NonNullable<Realm['readDirectory']>;
  readonly auth: Authorization;
}

/**
 * What Proxmox checks before it starts the sync's worker: the privileges, that the realm
 * exists and can be synced, and the options. `readDirectory` replaces the realm's reader.
 */
async function checkSync(
  ctx: ServiceContext,
  realm: RealmId,
  request: SyncRequest,
  read?: Realm['readDirectory'],
): Promise<CheckedSync> {
  const auth = await authorize(ctx);
  maySyncRealm(auth, realm);
  const config = auth.snapshot.domains.realms.get(realm);
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
  return { config, chosen, reader, auth };
}

function syncDraft(realm: RealmId, request: SyncRequest): ChangeDraft {
  return draft('realm', realm, 'sync', {
    scope: request.scope,
    'remove-vanished': request['remove-vanished'],
    'enable-new': request['enable-new'],
    full: request.full,
    purge: request.purge,
    'dry-run': request['dry-run'],
    force: request.force,
  });
}

/**
 * The checks alone, for a caller that runs the sync later (as a task): a refusal here is
 * recorded as a refused sync, and the run checks again on the configuration of its time.
 */
export async function checkRealmSync(
  ctx: ServiceContext,
  realm: RealmId,
  request: SyncRequest,
  read?: Realm['readDirectory'],
): Promise<void> {
  await audited(ctx, syncDraft(realm, request), async () => {
    await checkSync(ctx, realm, request, read);
  });
}

/** What a sync works on, in Proxmox's words (`users and groups`). */
function whatString(scope: SyncOptions['scope']): string {
  return scope === 'both' ? 'users and groups' : scope;
}

/** Runs a sync; `read` replaces the realm's directory reader (for tests). */
export async function syncRealm(
  ctx: ServiceContext,
  realm: RealmId,
  request: SyncRequest,
  read?: Realm['readDirectory'],
  progress: SyncProgress = {},
): Promise<SyncReport> {
  const change = syncDraft(realm, request);
  const log: string[] = [];
  const say = (line: string): void => {
    log.push(line);
    progress.say?.(line);
  };
  const stopped = (): void => {
    if (progress.signal?.aborted === true) throw rejected('interrupted by signal');
  };
  return audited(ctx, change, async () => {
    const { config, chosen, reader } = await checkSync(ctx, realm, request, read);
    const dryRun = request['dry-run'] === true;
    say(`${dryRun ? '(dry test run) ' : ''}starting sync for realm ${realm}`);
    const directory: DirectoryContents = await reader(
      config,
      (await ctx.read()).realmSecrets.get(realm),
      chosen.scope,
    );
    for (const warning of directory.warnings) say(`warning: ${warning}`);
    const what = whatString(chosen.scope);
    say(`got data from server, updating ${what}`);
    stopped();
    const plan = await commit(
      ctx,
      `syncing ${what} failed`,
      (changes) => {
        let decided: SyncPlan;
        try {
          decided = planSync(changes.snapshot.users, realm, directory, chosen);
        } catch (err) {
          if (err instanceof SyncRefused) throw refuse(err.message, 'remove-vanished');
          throw err;
        }
        if (!dryRun) {
          stopped();
          apply(changes, decided, ctx.now());
        }
        return decided;
      },
      change,
    );
    for (const line of plan.log) say(line);
    if (dryRun) {
      say('');
      say('NOTE: Dry test run, changes were NOT written to the configuration.');
    } else say(`successfully updated ${what} configuration`);
    return { log, dryRun, plan };
  });
}
