/**
 * Who may change what: Proxmox's permission expressions for API methods (`perm`,
 * `userid-group`, `userid-param`, `perm-modify`), with its 403 messages, decided for an
 * {@link Actor} on one snapshot and its compiled permission engine. `root@pam` passes every
 * check. The services decide every change with it; the API's listings filter with it.
 */
import { normalizeAclPath, requestedAclPath } from '../model/acl-path.js';
import { ROOT_USERID, splitUserId, type GroupId, type UserId } from '../model/ids.js';
import type { Privilege } from '../model/privileges.js';
import type { PermissionEngine } from '../permissions/engine.js';
import { firstExcess } from '../permissions/excess.js';
import type { AccessSnapshot } from '../store/snapshot.js';
import type { Actor } from './actor.js';
import type { ServiceContext } from './context.js';
import { forbidden } from '../errors.js';

/** The actor's authorization on the newest snapshot of `ctx`. */
export async function authorize(ctx: ServiceContext): Promise<Authorization> {
  const snapshot = await ctx.read();
  return new Authorization(ctx.actor, ctx.permissions(snapshot), snapshot);
}

export class Authorization {
  constructor(
    readonly actor: Pick<Actor, 'authid' | 'userid' | 'token'>,
    readonly engine: PermissionEngine,
    readonly snapshot: AccessSnapshot,
  ) {}

  get isRoot(): boolean {
    return this.actor.authid === ROOT_USERID;
  }

  /** The actor is `userid` itself, by ticket (a token is never its owner). */
  isSelf(userid: UserId): boolean {
    return this.actor.token === undefined && this.actor.userid === userid;
  }

  has(path: string, privilege: Privilege): boolean {
    return this.isRoot || this.engine.can(this.actor.authid, requestedAclPath(path), privilege);
  }

  /** `['perm', path, privs]`: all of them (or any, with `any`). */
  perm(path: string, privileges: readonly Privilege[], any = false): void {
    if (this.isRoot) return;
    const normalized = normalizeAclPath(path) ?? path;
    if (any) {
      if (!privileges.some((p) => this.has(normalized, p)))
        throw forbidden(`${normalized}, ${privileges.join('|')}`);
      return;
    }
    const missing = privileges.find((p) => !this.has(normalized, p));
    if (missing !== undefined) throw forbidden(`${normalized}, ${missing}`);
  }

  /** `['userid-param', 'Realm.AllocateUser']`. */
  realmAllocate(userid: UserId): void {
    this.perm(`/access/realm/${splitUserId(userid).realm}`, ['Realm.AllocateUser']);
  }

  // Listing users asks once per user; the answer depends only on the privileges. Made on
  // first use: every authenticated request gets a Checks, few ask this.
  private delegated: Map<string, Set<GroupId>> | undefined;

  /** Groups on which the caller holds any of `privileges`. */
  private delegatedGroups(privileges: readonly Privilege[]): Set<GroupId> {
    const key = privileges.join(',');
    this.delegated ??= new Map<string, Set<GroupId>>();
    let out = this.delegated.get(key);
    if (!out) {
      out = new Set<GroupId>();
      for (const groupid of this.snapshot.users.groups.keys())
        if (privileges.some((p) => this.has(`/access/groups/${groupid}`, p))) out.add(groupid);
      this.delegated.set(key, out);
    }
    return out;
  }

  /**
   * `['userid-group', privs, groups_param]`: any of `privileges` on /access/groups, or on
   * every named group and on a group the target user belongs to.
   */
  useridGroup(
    privileges: readonly Privilege[],
    target: UserId,
    options: { groups?: readonly GroupId[]; groupsParam?: 'create' | 'update' } = {},
  ): void {
    if (this.isRoot || privileges.some((p) => this.has('/access/groups', p))) return;
    const allowed = this.delegatedGroups(privileges);
    const denied = (): never => {
      throw forbidden(`/access/groups, ${privileges.join('|')}`);
    };
    if (options.groupsParam !== undefined) {
      const groups = options.groups ?? [];
      if (groups.length === 0 || !groups.every((g) => allowed.has(g))) denied();
    }
    if (options.groupsParam !== 'create') {
      if (!this.snapshot.users.users.has(target)) denied();
      const member = [...allowed].some((g) =>
        this.snapshot.users.groups.get(g)?.members.has(target),
      );
      if (!member) denied();
    }
  }

  /** May the caller see (User.Modify or Sys.Audit, or the like) a user through its groups? */
  canSeeUser(privileges: readonly Privilege[], target: UserId): boolean {
    try {
      this.useridGroup(privileges, target);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * No escalation by delegation (a deliberate difference from Proxmox, see
   * docs/compatibility.md): whoever changes another user's account (password, tokens,
   * second factors, enable, expiry, groups, deletion) could act as that user afterwards, so
   * the actor must hold, on every path, every privilege the user holds.
   */
  holdsAtLeast(target: UserId): void {
    if (this.isRoot || this.isSelf(target)) return;
    this.refuseExcess(
      target,
      this.engine,
      'holds',
      'changing the account of a user with more privileges than your own is not allowed',
    );
  }

  /**
   * No escalation by delegation through a realm: whoever decides how a directory or OpenID
   * realm identifies its users (its server, bind, base DN, provider) can log in as any of
   * them, so needs at least the privileges of each. Users with the same groups and no ACL
   * entries of their own hold the same privileges, so one of them answers for all; between
   * comparisons, other requests get their turn.
   */
  async holdsAtLeastEvery(users: Iterable<UserId>, why: string): Promise<void> {
    if (this.isRoot) return;
    const named = new Set<string>();
    for (const node of this.engine.config.acl.values())
      for (const user of node.users.keys()) named.add(user);
    const compared = new Set<string>();
    let since = performance.now();
    for (const user of users) {
      if (this.isSelf(user)) continue;
      const alike = named.has(user)
        ? `user\u0000${user}`
        : `groups\u0000${[...(this.engine.acl.groupsOfUser.get(user) ?? [])].sort().join(',')}`;
      if (compared.has(alike)) continue;
      compared.add(alike);
      this.refuseExcess(user, this.engine, 'holds', why);
      if (performance.now() - since > 5) {
        await new Promise((resolve) => setImmediate(resolve));
        since = performance.now();
      }
    }
  }

  /**
   * No escalation by delegation: after a change (compiled as `after`), `target` holds no
   * privilege on any path that the actor does not hold there now. For changes that hand out
   * privileges, such as group memberships, to the actor itself or to a user it manages.
   */
  grantsOnlyHeld(target: UserId, after: PermissionEngine): void {
    if (this.isRoot) return;
    this.refuseExcess(
      target,
      after,
      'would hold',
      'handing out privileges you do not hold is not allowed',
    );
  }

  /**
   * No escalation by delegation: after a change that takes something away (a group or a
   * role that restricted them, compiled as `after`), none of `members` gains a privilege on
   * any path that the actor does not hold there now.
   */
  gainsOnlyHeld(members: Iterable<UserId>, after: PermissionEngine): void {
    if (this.isRoot) return;
    for (const member of members) {
      const excess = firstExcess(
        { engine: this.engine, authid: this.actor.authid },
        { engine: after, authid: member },
        { engine: this.engine, authid: member },
      );
      if (excess !== undefined)
        throw forbidden(
          `${member} would gain ${excess.privilege} on ${excess.path}, which you do not hold: ` +
            'handing out privileges you do not hold is not allowed',
        );
    }
  }

  private refuseExcess(target: UserId, engine: PermissionEngine, verb: string, why: string): void {
    const excess = firstExcess(
      { engine: this.engine, authid: this.actor.authid },
      { engine, authid: target },
    );
    if (excess === undefined) return;
    throw forbidden(
      `${target} ${verb} ${excess.privilege} on ${excess.path}, which you do not hold: ${why}`,
    );
  }

  /** `['perm-modify', path]`. */
  permModify(path: string | undefined): void {
    if (path === undefined) {
      this.perm('/access', ['Permissions.Modify']);
      return;
    }
    this.perm(path, ['Permissions.Modify', ...extraModifyPrivilege(path)], true);
  }

  canModify(path: string): boolean {
    try {
      this.permModify(path);
      return true;
    } catch {
      return false;
    }
  }
}

function extraModifyPrivilege(path: string): Privilege[] {
  if (/^\/storage\/[^/]+/.test(path)) return ['Datastore.Allocate'];
  if (/^\/vms\/[^/]+/.test(path)) return ['VM.Allocate'];
  if (/^\/pool\/[^/]+/.test(path)) return ['Pool.Allocate'];
  return [];
}
