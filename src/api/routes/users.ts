/**
 * `/access/users` and `/access/users/{userid}`: listing, reading, creating, changing and
 * deleting users, with Proxmox's group-delegated permissions.
 */
import { parameterError, rejected } from '../../errors.js';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../auth/password-limits.js';
import {
  asGroupId,
  listSeparatorError,
  parseGroupId,
  splitUserId,
  userIdError,
  type UserId,
} from '../../model/ids.js';
import { splitList } from '../../model/text.js';
import type { User } from '../../model/user-config.js';
import { createUser, deleteUser, updateUser, type UserField } from '../../services/users.js';
import type { AccessSnapshot } from '../../store/snapshot.js';
import type { OperationRegistry } from '../operation.js';
import type { Caller } from '../caller.js';
import { APPEND_DOC, COMMENT_DOC, EXPIRE_DOC, USERID_DOC } from './param-docs.js';
import { USER_LIST } from './returns.js';
import { compareCodePoints } from '../../model/compare.js';

const USERID = { type: 'string', ...USERID_DOC } as const;

const USER_FIELDS = {
  enable: {
    type: 'boolean',
    optional: true,
    default: 1,
    description: 'Whether the user may log in; 0 locks the account without deleting it.',
  },
  expire: { type: 'integer', optional: true, minimum: 0, ...EXPIRE_DOC },
  firstname: { type: 'string', optional: true, maxLength: 1024, description: 'First name.' },
  lastname: { type: 'string', optional: true, maxLength: 1024, description: 'Last name.' },
  email: {
    type: 'string',
    optional: true,
    maxLength: 254,
    description: 'E-mail address, for notifications and password resets done elsewhere.',
  },
  comment: { type: 'string', optional: true, maxLength: 2048, ...COMMENT_DOC },
  keys: {
    type: 'string',
    optional: true,
    typetext: '[0-9a-zA-Z!=]{0,4096}',
    description: "The user's Yubico OTP key ids, separated by '!' (old-style second factor).",
  },
  groups: {
    type: 'string',
    optional: true,
    list: true,
    description: 'Groups the user belongs to, comma-separated; they must exist.',
  },
} as const;

/**
 * Proxmox's permission check reads the id before the schema does, so a bad one is a 500 with
 * its message; only for root@pam, whose requests skip the permission checks, the schema
 * answers first (`400 Parameter verification failed.`, the reason under `userid`), which
 * `/access/users` routes pass as `schemaFirst`. An id that Proxmox accepts and Tessera does
 * not (a list separator in it) is a 400 naming the parameter, as Tessera's own refusals are.
 */
export function useridParam(value: string, schemaFirst = false): UserId {
  const separator = listSeparatorError(value);
  if (separator !== undefined) throw parameterError({ userid: separator });
  const error = userIdError(value);
  if (error !== undefined)
    throw schemaFirst ? parameterError({ userid: `invalid format - ${error}\n` }) : rejected(error);
  return value as UserId;
}

function groupsParam(value: string | undefined): ReturnType<typeof parseGroupId>[] | undefined {
  if (value === undefined) return undefined;
  return splitList(value).map((g) => {
    const id = asGroupId(g);
    if (id === undefined)
      throw parameterError({
        groups: `invalid format - group name '${g}' contains invalid characters`,
      });
    return id;
  });
}

function groupsOf(snapshot: AccessSnapshot, userid: UserId): string[] {
  return [...snapshot.users.groups.values()]
    .filter((g) => g.members.has(userid))
    .map((g) => g.groupid)
    .sort();
}

function tokensOf(snapshot: AccessSnapshot, userid: UserId): Record<string, unknown>[] {
  return [...snapshot.users.tokens.values()]
    .filter((t) => t.tokenid.startsWith(`${userid}!`))
    .map((t) => ({
      tokenid: t.tokenid.slice(userid.length + 1),
      ...(t.comment !== undefined ? { comment: t.comment } : {}),
      expire: t.expire,
      privsep: t.privsep ? 1 : 0,
    }));
}

function userFields(user: User): Record<string, unknown> {
  return {
    enable: user.enable ? 1 : 0,
    expire: user.expire,
    ...(user.firstname !== undefined ? { firstname: user.firstname } : {}),
    ...(user.lastname !== undefined ? { lastname: user.lastname } : {}),
    // Proxmox reads user.cfg's empty email field as '' when a later field (comment, keys)
    // holds something, and lists it so; left out otherwise.
    ...(user.email !== undefined
      ? { email: user.email }
      : user.comment !== undefined || user.keys !== undefined
        ? { email: '' }
        : {}),
    ...(user.comment !== undefined ? { comment: user.comment } : {}),
    ...(user.keys !== undefined ? { keys: user.keys } : {}),
  };
}

export function userOperations(api: OperationRegistry): void {
  api.operation(
    'GET',
    '/access/users',
    {
      enabled: {
        type: 'boolean',
        optional: true,
        description: 'Only enabled users (1) or only disabled ones (0).',
      },
      full: {
        type: 'boolean',
        optional: true,
        default: 0,
        description: "Also show each user's groups and API tokens.",
      },
    },
    ({ params, snapshot, checks, caller }) => {
      const out: Record<string, unknown>[] = [];
      for (const user of snapshot.users.users.values()) {
        const visible =
          user.userid === caller.userid ||
          checks.canSeeUser(['User.Modify', 'Sys.Audit'], user.userid);
        if (!visible) continue;
        if (params.enabled !== undefined && user.enable !== params.enabled) continue;
        const realm = splitUserId(user.userid).realm;
        const tokens = tokensOf(snapshot, user.userid);
        const tfa = snapshot.tfa.users.get(user.userid);
        out.push({
          userid: user.userid,
          ...userFields(user),
          'realm-type': snapshot.domains.realms.get(realm)?.type,
          ...(params.full === true
            ? {
                groups: groupsOf(snapshot, user.userid).join(','),
                tokens: tokens.length > 0 ? tokens : null,
              }
            : {}),
          ...(tfa?.totpLocked === true ? { 'totp-locked': 1 } : {}),
          ...(tfa?.tfaLockedUntil !== undefined ? { 'tfa-locked-until': tfa.tfaLockedUntil } : {}),
        });
      }
      return out.sort((a, b) => compareCodePoints(String(a['userid']), String(b['userid'])));
    },
    { name: 'index', description: 'Lists the users the caller may see.', returns: USER_LIST },
  );

  api.operation(
    'POST',
    '/access/users',
    {
      userid: { ...USERID, maxLength: 64 },
      ...USER_FIELDS,
      password: {
        type: 'string',
        optional: true,
        minLength: PASSWORD_MIN_LENGTH,
        maxLength: PASSWORD_MAX_LENGTH,
        description:
          'The initial password, for users of the pve realm; other realms check passwords ' +
          'themselves.',
      },
    },
    async ({ params, services, caller }) => {
      const userid = useridParam(params.userid, isRoot(caller));
      const groups = groupsParam(params.groups);
      await createUser(services, {
        userid,
        ...definedFields(params),
        ...(groups !== undefined ? { groups } : {}),
        ...(params.password !== undefined ? { password: params.password } : {}),
      });
      return null;
    },
    { name: 'create_user', description: 'Creates a user.' },
  );

  api.operation(
    'GET',
    '/access/users/:userid',
    { userid: USERID },
    ({ params, snapshot, checks, caller }) => {
      const userid = useridParam(params.userid, isRoot(caller));
      checks.useridGroup(['User.Modify', 'Sys.Audit'], userid);
      const user = snapshot.users.users.get(userid);
      if (!user) throw rejected(`no such user ('${userid}')`);
      const tokens = tokensOf(snapshot, userid);
      return {
        ...userFields(user),
        groups: groupsOf(snapshot, userid),
        tokens:
          tokens.length > 0
            ? Object.fromEntries(tokens.map(({ tokenid, ...rest }) => [String(tokenid), rest]))
            : null,
      };
    },
    { name: 'read_user', description: 'Shows a user with its groups and tokens.' },
  );

  api.operation(
    'PUT',
    '/access/users/:userid',
    {
      userid: USERID,
      ...USER_FIELDS,
      append: { type: 'boolean', optional: true, ...APPEND_DOC },
      delete: {
        type: 'string',
        optional: true,
        description: 'Settings to remove from the user, comma-separated.',
      },
    },
    async ({ params, services, caller }) => {
      const userid = useridParam(params.userid, isRoot(caller));
      const groups = groupsParam(params.groups);
      const deletions = splitList(params.delete) as UserField[];
      await updateUser(services, userid, {
        ...definedFields(params),
        ...(groups !== undefined ? { groups } : {}),
        ...(params.append !== undefined ? { append: params.append } : {}),
        ...(deletions.length > 0 ? { delete: deletions } : {}),
      });
      return null;
    },
    { name: 'update_user', description: 'Changes a user.' },
  );

  api.operation(
    'DELETE',
    '/access/users/:userid',
    { userid: USERID },
    async ({ params, services, caller }) => {
      const userid = useridParam(params.userid, isRoot(caller));
      await deleteUser(services, userid);
      return null;
    },
    { name: 'delete_user', description: 'Deletes a user.' },
  );
}

function definedFields(params: {
  enable?: boolean | undefined;
  expire?: number | undefined;
  firstname?: string | undefined;
  lastname?: string | undefined;
  email?: string | undefined;
  comment?: string | undefined;
  keys?: string | undefined;
}): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const name of [
    'enable',
    'expire',
    'firstname',
    'lastname',
    'email',
    'comment',
    'keys',
  ] as const) {
    const value = params[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** root@pam itself (not one of its tokens): Proxmox skips its permission checks. */
function isRoot(caller: Caller): boolean {
  return caller.userid === 'root@pam' && caller.token === undefined;
}
