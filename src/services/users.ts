/**
 * Users: create, update, delete, and the stored password of `pve` users, decided with
 * Proxmox's checks (`Realm.AllocateUser` on the realm, `User.Modify` through groups) for the
 * context's actor. Deleting a user removes everything that belongs to it (tokens, secrets,
 * second factors, group memberships and ACL entries) in the same transaction, as Proxmox
 * does.
 */
import { forbidden, invalid, parameterError, rejected } from '../errors.js';
import { reenterPassword, type ReentryGuard } from './login/reentry.js';
import { ROOT_USERID, splitUserId, type GroupId, type UserId } from '../model/ids.js';
import type { PasswordHashKind } from '../model/password-hash.js';
import type { Group, User, UserConfig } from '../model/user-config.js';
import { PermissionEngine } from '../permissions/engine.js';
import { encodeGroup, encodePassword, encodeUser, KEYS } from '../store/codec.js';
import type { AccessSnapshot } from '../store/snapshot.js';
import { removeMembersFromAcl } from './acl.js';
import { draft, SECRET_CHANGED, SECRET_SET } from './audit.js';
import { authorize, type Authorization } from './authorize.js';
import {
  audited,
  commit,
  refuse,
  sequenceFor,
  type Changes,
  type ServiceContext,
} from './context.js';
import { deleteTokenEntities, requireUser } from './entities.js';
import { revokeSessions } from './sessions.js';
import { email, expiry, raw, text } from './fields.js';

export { requireUser } from './entities.js';

export interface UserFields {
  readonly enable?: boolean;
  readonly expire?: number;
  readonly firstname?: string;
  readonly lastname?: string;
  readonly email?: string;
  readonly comment?: string;
  readonly keys?: string;
}

export type UserField = keyof UserFields;

function checkFields(fields: UserFields): UserFields {
  const firstname = text('firstname', fields.firstname, 1024);
  const lastname = text('lastname', fields.lastname, 1024);
  const mail = email(fields.email);
  const comment = text('comment', fields.comment, 2048);
  const keys = raw('keys', fields.keys, 4096);
  const expire = expiry('expire', fields.expire);
  return {
    ...(fields.enable !== undefined ? { enable: fields.enable } : {}),
    ...(expire !== undefined ? { expire } : {}),
    ...(firstname !== undefined ? { firstname } : {}),
    ...(lastname !== undefined ? { lastname } : {}),
    ...(mail !== undefined ? { email: mail } : {}),
    ...(comment !== undefined ? { comment } : {}),
    ...(keys !== undefined ? { keys } : {}),
  };
}

/** The fields as the audit event shows them. */
function given(fields: UserFields): Record<string, string | number | boolean | undefined> {
  return {
    enable: fields.enable,
    expire: fields.expire,
    firstname: fields.firstname,
    lastname: fields.lastname,
    email: fields.email,
    comment: fields.comment,
    keys: fields.keys,
  };
}

function requireGroups(snapshot: AccessSnapshot, groups: readonly GroupId[]): Group[] {
  return groups.map((groupid) => {
    const group = snapshot.users.groups.get(groupid);
    if (!group) throw refuse(`no such group '${groupid}'`, 'groups');
    return group;
  });
}

function setMembership(changes: Changes, group: Group, userid: UserId, member: boolean): void {
  if (group.members.has(userid) === member) {
    changes.expect(KEYS.group(group.groupid));
    return;
  }
  const members = new Set(group.members);
  if (member) members.add(userid);
  else members.delete(userid);
  changes.put(KEYS.group(group.groupid), encodeGroup({ ...group, members }));
}

/**
 * A membership change must not hand out privileges the actor lacks (docs/compatibility.md):
 * `userid`'s privileges are compared with the configuration as it would be, with `userid`
 * in `groups` (besides its current groups with `append`).
 */
function mayJoin(
  auth: Authorization,
  userid: UserId,
  groups: readonly GroupId[],
  append: boolean,
): void {
  if (auth.isRoot) return;
  const config = auth.snapshot.users;
  const next = new Map(config.groups);
  for (const [groupid, group] of config.groups) {
    const member = groups.includes(groupid) || (append && group.members.has(userid));
    if (member === group.members.has(userid)) continue;
    const members = new Set(group.members);
    if (member) members.add(userid);
    else members.delete(userid);
    next.set(groupid, { ...group, members });
  }
  const after: UserConfig = { ...config, groups: next };
  auth.grantsOnlyHeld(userid, PermissionEngine.compile(after));
}

export interface CreateUser extends UserFields {
  readonly userid: UserId;
  readonly groups?: readonly GroupId[];
  /**
   * The initial password. Only the `pve` realm stores one; for any other realm the creation
   * is refused, as Proxmox refuses it for `ldap`, `ad` and `openid` (and unlike Proxmox for
   * `pam`, whose password Proxmox sets in the host's accounts).
   */
  readonly password?: string;
  /** The password hash of a `pve` user, stored in the same transaction. */
  readonly passwordHash?: string;
}

export async function createUser(ctx: ServiceContext, input: CreateUser): Promise<void> {
  const change = draft('user', input.userid, 'create', {
    ...given(input),
    groups: input.groups,
    password:
      input.password !== undefined || input.passwordHash !== undefined ? SECRET_SET : undefined,
  });
  return audited(ctx, change, async () => {
    const auth = await authorize(ctx);
    auth.realmAllocate(input.userid);
    auth.useridGroup(['User.Modify'], input.userid, {
      groups: input.groups ?? [],
      groupsParam: 'create',
    });
    if (input.groups !== undefined) mayJoin(auth, input.userid, input.groups, false);
    const realmType = auth.snapshot.domains.realms.get(splitUserId(input.userid).realm)?.type;
    const passwordHash =
      input.passwordHash ??
      (input.password !== undefined && realmType === 'pve'
        ? await hashed(input.password, undefined, auth.snapshot.passwordHash)
        : undefined);
    await insertUser(
      ctx,
      { ...input, ...(passwordHash !== undefined ? { passwordHash } : {}) },
      change,
    );
  });
}

async function insertUser(
  ctx: ServiceContext,
  input: CreateUser,
  change: ReturnType<typeof draft>,
): Promise<void> {
  const fields = checkFields(input);
  return commit(
    ctx,
    'create user failed',
    (changes) => {
      const { snapshot } = changes;
      const existing = [...snapshot.users.users.keys()].find(
        (id) => id === input.userid || sameUserIgnoringCase(snapshot, id, input.userid),
      );
      if (existing !== undefined) throw refuse(`user '${input.userid}' already exists`, 'userid');
      // Checked where Proxmox checks it: after the duplicate, before anything is stored.
      if (input.password !== undefined && input.passwordHash === undefined) {
        const realm = splitUserId(input.userid).realm;
        const type = snapshot.domains.realms.get(realm)?.type;
        if (type === undefined) throw refuse(`auth domain '${realm}' does not exist`, 'userid');
        throw refuse(`can't set password on auth type '${type}'`, 'password');
      }
      const user: User = { userid: input.userid, enable: true, expire: 0, ...fields };
      changes.put(KEYS.user(input.userid), encodeUser(user));
      for (const group of requireGroups(snapshot, input.groups ?? []))
        setMembership(changes, group, input.userid, true);
      if (input.passwordHash !== undefined) putPassword(changes, input.userid, input.passwordHash);
    },
    change,
  );
}

/** Realms with `case-sensitive 0` treat `Alice@corp` and `alice@corp` as one user. */
function sameUserIgnoringCase(snapshot: AccessSnapshot, a: UserId, b: UserId): boolean {
  const realm = snapshot.domains.realms.get(splitUserId(b).realm);
  if (realm?.options.get('case-sensitive') !== false) return false;
  return a.toLowerCase() === b.toLowerCase();
}

export interface UpdateUser extends UserFields {
  readonly groups?: readonly GroupId[];
  /** Add to `groups` instead of replacing the memberships. */
  readonly append?: boolean;
  /** Fields to clear. */
  readonly delete?: readonly UserField[];
}

export async function updateUser(
  ctx: ServiceContext,
  userid: UserId,
  input: UpdateUser,
): Promise<void> {
  const change = draft('user', userid, 'update', {
    ...given(input),
    groups: input.groups,
    append: input.append,
    delete: input.delete,
  });
  return audited(ctx, change, async () => {
    const auth = await authorize(ctx);
    auth.useridGroup(['User.Modify'], userid, {
      groups: input.groups ?? [],
      groupsParam: 'update',
    });
    auth.holdsAtLeast(userid);
    if (input.groups !== undefined) mayJoin(auth, userid, input.groups, input.append === true);
    await changeUser(ctx, userid, input, change);
  });
}

async function changeUser(
  ctx: ServiceContext,
  userid: UserId,
  input: UpdateUser,
  change: ReturnType<typeof draft>,
): Promise<void> {
  const fields = checkFields(input);
  if (input.append === true && input.groups === undefined)
    throw invalid('groups', "missing property required by 'append'");
  return commit(
    ctx,
    'update user failed',
    (changes) => {
      const { snapshot } = changes;
      const user = requireUser(snapshot, userid);
      const cleared: Record<string, unknown> = { ...user };
      for (const field of input.delete ?? []) {
        if (field === 'enable') cleared['enable'] = true;
        else if (field === 'expire') cleared['expire'] = 0;
        else cleared[field] = undefined;
      }
      const updated = { ...(cleared as unknown as User), ...fields };
      changes.put(KEYS.user(userid), encodeUser(updated));
      if (user.enable && !updated.enable) revokeSessions(changes, userid, ctx.now());
      if (input.groups !== undefined) {
        const wanted = new Set(requireGroups(snapshot, input.groups).map((g) => g.groupid));
        for (const group of snapshot.users.groups.values()) {
          if (wanted.has(group.groupid)) setMembership(changes, group, userid, true);
          else if (input.append !== true) setMembership(changes, group, userid, false);
        }
      }
    },
    change,
  );
}

export async function deleteUser(ctx: ServiceContext, userid: UserId): Promise<void> {
  const change = draft('user', userid, 'delete');
  return audited(ctx, change, async () => {
    const auth = await authorize(ctx);
    auth.realmAllocate(userid);
    auth.useridGroup(['User.Modify'], userid);
    auth.holdsAtLeast(userid);
    await removeUser(ctx, userid, change);
  });
}

async function removeUser(
  ctx: ServiceContext,
  userid: UserId,
  change: ReturnType<typeof draft>,
): Promise<void> {
  return commit(
    ctx,
    'delete user failed',
    (changes) => {
      const { snapshot } = changes;
      // As Proxmox: deleting a user that is not there succeeds, changing nothing.
      if (!snapshot.users.users.has(userid)) return;
      changes.delete(KEYS.user(userid));
      // A user created again under this id must not inherit the old tickets.
      revokeSessions(changes, userid, ctx.now());
      if (snapshot.revisions.has(KEYS.password(userid))) changes.delete(KEYS.password(userid));
      if (snapshot.revisions.has(KEYS.tfa(userid))) changes.delete(KEYS.tfa(userid));
      const tokens = [...snapshot.users.tokens.keys()].filter((t) => t.startsWith(`${userid}!`));
      for (const tokenid of tokens) deleteTokenEntities(changes, tokenid);
      for (const group of snapshot.users.groups.values())
        if (group.members.has(userid)) setMembership(changes, group, userid, false);
      removeMembersFromAcl(changes, { users: [userid], tokens });
    },
    change,
  );
}

/**
 * `PUT /access/password`: a user changes their own password, proving it with their current
 * one (`confirmation`); holders of `Realm.AllocateUser` and `User.Modify` through groups
 * change others' the same way, with their own password. root@pam needs no confirmation, and
 * only root@pam changes root@pam's. Only `pve` users have a password here. The confirmation
 * is checked under the login throttle (`guard`), as a login's password is.
 */
export async function changePassword(
  ctx: ServiceContext,
  userid: UserId,
  password: string,
  confirmation: string | undefined,
  guard?: ReentryGuard,
): Promise<void> {
  const change = draft('password', userid, 'update', { password: SECRET_CHANGED });
  return audited(ctx, change, async () => {
    const auth = await authorize(ctx);
    const { actor, snapshot } = auth;
    if (actor.userid !== userid) {
      try {
        auth.realmAllocate(userid);
        auth.useridGroup(['User.Modify'], userid);
      } catch {
        throw forbidden();
      }
      auth.holdsAtLeast(userid);
    }
    if (actor.userid !== ROOT_USERID) {
      if (userid === ROOT_USERID) throw forbidden();
      if (confirmation === undefined)
        throw parameterError({ 'confirmation-password': 'password is required to modify user' });
      // Why: a stolen session alone must not be enough to take the account over.
      await reenterPassword(
        snapshot,
        actor.userid,
        confirmation,
        ctx.now(),
        ctx.actor.address,
        guard,
      );
    }
    const realm = splitUserId(userid).realm;
    const type = snapshot.domains.realms.get(realm)?.type ?? realm;
    if (type !== 'pve') throw rejected(`can't set password on auth type '${type}'`);
    const hash = await hashed(password, ctx.actor.address, snapshot.passwordHash);
    await storePassword(ctx, userid, hash, change, true);
  });
}

/**
 * Stores the password hash of a `pve` user (hashing is the realm's business): for imports,
 * tests and administrators who hold `Realm.AllocateUser` and `User.Modify`.
 */
export async function setPasswordHash(
  ctx: ServiceContext,
  userid: UserId,
  hash: string,
): Promise<void> {
  const change = draft('password', userid, 'update', { password: SECRET_CHANGED });
  return audited(ctx, change, async () => {
    const auth = await authorize(ctx);
    auth.realmAllocate(userid);
    auth.useridGroup(['User.Modify'], userid);
    auth.holdsAtLeast(userid);
    await storePassword(ctx, userid, hash, change, true);
  });
}

/**
 * After a login with an outdated hash (a crypt hash from Proxmox, weaker argon2 settings):
 * the user has just proved the password, so the login stores a fresh hash of it as the
 * user's own change; no privilege is asked for.
 */
export async function renewPasswordHash(
  ctx: ServiceContext,
  userid: UserId,
  hash: string,
): Promise<void> {
  const change = draft('password', userid, 'update', { password: SECRET_CHANGED });
  // The same password, hashed anew: the user's sessions stay.
  return audited(ctx, change, () => storePassword(ctx, userid, hash, change, false));
}

async function storePassword(
  ctx: ServiceContext,
  userid: UserId,
  hash: string,
  change: ReturnType<typeof draft>,
  revoke: boolean,
): Promise<void> {
  raw('password', hash, 1024);
  return commit(
    ctx,
    'set password failed',
    (changes) => {
      requireUser(changes.snapshot, userid);
      putPassword(changes, userid, hash);
      if (revoke) revokeSessions(changes, userid, ctx.now());
    },
    change,
  );
}

function putPassword(changes: Changes, userid: UserId, hash: string): void {
  const { realm } = splitUserId(userid);
  const type = changes.snapshot.domains.realms.get(realm)?.type ?? realm;
  if (type !== 'pve') throw refuse(`can't set password on auth type '${type}'`, 'password');
  if (/[\s:]/.test(hash))
    throw refuse('the password hash contains whitespace or a colon', 'password');
  const key = KEYS.password(userid);
  changes.put(key, encodePassword(hash, sequenceFor(changes.snapshot, key)));
}

/**
 * The password's hash. The hashing (and the argon2 library) loads only when a password is
 * set: listing or changing users on the command line does not wait for it.
 */
async function hashed(
  password: string,
  source: string | undefined,
  kind: PasswordHashKind | undefined,
): Promise<string> {
  const { hashPassword } = await import('../auth/password.js');
  return hashPassword(password, source, kind);
}
