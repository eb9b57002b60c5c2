/**
 * Users: create, update, delete, and the stored password of `pve` users. Deleting a user
 * removes everything that belongs to it (tokens, secrets, second factors, group memberships
 * and ACL entries) in the same transaction, as Proxmox does.
 */
import { TesseraError } from '../errors.js';
import { splitUserId, type GroupId, type UserId } from '../model/ids.js';
import type { Group, User } from '../model/user-config.js';
import { encodeGroup, encodePassword, encodeUser, KEYS } from '../store/codec.js';
import type { AccessSnapshot } from '../store/snapshot.js';
import { removeMembersFromAcl } from './acl.js';
import { commit, refuse, sequenceFor, type Changes, type ServiceContext } from './context.js';
import { email, expiry, raw, text } from './fields.js';
import { deleteTokenEntities } from './tokens.js';

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

export function requireUser(snapshot: AccessSnapshot, userid: UserId): User {
  const user = snapshot.users.users.get(userid);
  if (!user) throw refuse(`no such user ('${userid}')`, 'userid');
  return user;
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

export interface CreateUser extends UserFields {
  readonly userid: UserId;
  readonly groups?: readonly GroupId[];
  /** The password hash of a `pve` user, stored in the same transaction. */
  readonly passwordHash?: string;
}

export async function createUser(ctx: ServiceContext, input: CreateUser): Promise<void> {
  const fields = checkFields(input);
  return commit(ctx, 'create user failed', (changes) => {
    const { snapshot } = changes;
    const existing = [...snapshot.users.users.keys()].find(
      (id) => id === input.userid || sameUserIgnoringCase(snapshot, id, input.userid),
    );
    if (existing !== undefined) throw refuse(`user '${input.userid}' already exists`, 'userid');
    const user: User = { userid: input.userid, enable: true, expire: 0, ...fields };
    changes.put(KEYS.user(input.userid), encodeUser(user));
    for (const group of requireGroups(snapshot, input.groups ?? []))
      setMembership(changes, group, input.userid, true);
    if (input.passwordHash !== undefined) putPassword(changes, input.userid, input.passwordHash);
  });
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
  const fields = checkFields(input);
  if (input.append === true && input.groups === undefined)
    throw new TesseraError('invalid_value', "missing property 'groups' - 'append' requires it", {
      field: 'append',
    });
  return commit(ctx, 'update user failed', (changes) => {
    const { snapshot } = changes;
    const user = requireUser(snapshot, userid);
    const cleared: Record<string, unknown> = { ...user };
    for (const field of input.delete ?? []) {
      if (field === 'enable') cleared['enable'] = true;
      else if (field === 'expire') cleared['expire'] = 0;
      else cleared[field] = undefined;
    }
    changes.put(KEYS.user(userid), encodeUser({ ...(cleared as unknown as User), ...fields }));
    if (input.groups !== undefined) {
      const wanted = new Set(requireGroups(snapshot, input.groups).map((g) => g.groupid));
      for (const group of snapshot.users.groups.values()) {
        if (wanted.has(group.groupid)) setMembership(changes, group, userid, true);
        else if (input.append !== true) setMembership(changes, group, userid, false);
      }
    }
  });
}

export async function deleteUser(ctx: ServiceContext, userid: UserId): Promise<void> {
  return commit(ctx, 'delete user failed', (changes) => {
    const { snapshot } = changes;
    requireUser(snapshot, userid);
    changes.delete(KEYS.user(userid));
    if (snapshot.revisions.has(KEYS.password(userid))) changes.delete(KEYS.password(userid));
    if (snapshot.revisions.has(KEYS.tfa(userid))) changes.delete(KEYS.tfa(userid));
    const tokens = [...snapshot.users.tokens.keys()].filter((t) => t.startsWith(`${userid}!`));
    for (const tokenid of tokens) deleteTokenEntities(changes, tokenid);
    for (const group of snapshot.users.groups.values())
      if (group.members.has(userid)) setMembership(changes, group, userid, false);
    removeMembersFromAcl(changes, { users: [userid], tokens });
  });
}

/** Stores the password hash of a `pve` user (hashing is the realm's business). */
export async function setPasswordHash(
  ctx: ServiceContext,
  userid: UserId,
  hash: string,
): Promise<void> {
  raw('password', hash, 1024);
  return commit(ctx, 'set password failed', (changes) => {
    requireUser(changes.snapshot, userid);
    putPassword(changes, userid, hash);
  });
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
