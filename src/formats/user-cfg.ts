/**
 * `user.cfg`: users, tokens, groups, pools, roles and ACLs, one `:`-separated line each.
 *
 * Reading follows Proxmox's parser line by line: lines are trimmed, each field is trimmed,
 * missing trailing fields read as empty, entries are processed in file order (so a later
 * line only sees what came before it), and a bad entry is skipped with a diagnostic, never
 * failing the whole file. Writing reproduces Proxmox's writer byte for byte.
 */
import { normalizeAclPath, sortAclPaths, type AclPath } from '../model/acl-path.js';
import { compareCodePoints, sortedCodePoints } from '../model/compare.js';
import {
  asGroupId,
  asPoolId,
  asRoleId,
  asTokenId,
  asUserId,
  listSeparatorError,
  ownerOf,
  parentPool,
  ROOT_USERID,
  splitTokenId,
  type GroupId,
  type PoolId,
  type RoleId,
  type TokenId,
  type UserId,
} from '../model/ids.js';
import { isPrivilege, type Privilege } from '../model/privileges.js';
import { isBuiltinRole } from '../model/roles.js';
import { decodeText, encodeText, perlTruthy, splitList } from '../model/text.js';
import {
  rawFieldError,
  textFieldError,
  type AclNode,
  type Group,
  type Pool,
  type Role,
  type Token,
  type User,
  type UserConfig,
} from '../model/user-config.js';
import { DiagnosticSink, type Parsed } from './diagnostics.js';
import { assertWritable } from './guard.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface MutableAclNode {
  users: Map<UserId, Map<RoleId, boolean>>;
  groups: Map<GroupId, Map<RoleId, boolean>>;
  tokens: Map<TokenId, Map<RoleId, boolean>>;
}

interface MutablePool {
  poolid: PoolId;
  comment?: string;
  vms: Set<string>;
  storage: Set<string>;
}

// A storage id starts with a letter and does not end with `-`, `_` or `.`.
const STORAGE_ID = /^[a-z][a-z0-9\-_.]*[a-z0-9]$/i;
const DIGITS = /^[0-9]+$/;
/** The largest VM id Tessera keeps; Proxmox itself never hands out more than 9 digits. */
const VMID_MAX_DIGITS = 15;

/** Parses user.cfg. Never throws: problems become diagnostics and the entry is skipped. */
export function parseUserCfg(text: string, file = 'user.cfg'): Parsed<UserConfig> {
  const sink = new DiagnosticSink(file);
  const users = new Map<UserId, User>();
  const tokens = new Map<TokenId, Token>();
  const groups = new Map<GroupId, { groupid: GroupId; members: Set<UserId>; comment?: string }>();
  const roles = new Map<RoleId, { roleid: RoleId; privileges: Set<Privilege> }>();
  const pools = new Map<PoolId, MutablePool>();
  const poolOfVm = new Map<string, PoolId>();
  const acl = new Map<AclPath, MutableAclNode>();
  // root@pam exists from the start, so lines before its own line may refer to it.
  users.set(ROOT_USERID, { userid: ROOT_USERID, enable: true, expire: 0 });
  // The pieces a refused user id with list separators falls apart into in a member list
  // (`a@pve,b@pve` -> `a@pve`, `b@pve`) -> that id: such a piece in a group or ACL line may
  // be the refused user rather than a user of its own, so it grants nothing.
  const pieces = new Map<string, string>();

  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = (lines[index] ?? '').trim();
    if (line === '') continue;
    const lineNo = index + 1;
    const fields = line.split(':').map((f) => f.trim());
    const kind = fields[0] ?? '';
    const field = (i: number): string => fields[i] ?? '';

    switch (kind) {
      case 'user': {
        const id = field(1);
        const userid = asUserId(id);
        if (userid === undefined) {
          const reason = listSeparatorError(id);
          if (reason !== undefined)
            for (const piece of splitList(id)) pieces.set(piece.replace(/^@/, ''), id);
          sink.error(lineNo, `ignore user '${id}' - ${reason ?? 'invalid user name'}`);
          break;
        }
        const expire = parseExpire(field(3));
        if (expire === undefined) {
          sink.error(lineNo, `ignore user '${id}' - (illegal characters in expire '${field(3)}')`);
          break;
        }
        const user: Mutable<User> = { userid, enable: perlTruthy(field(2)), expire };
        const setText = (name: 'firstname' | 'lastname' | 'comment', value: string): void => {
          const decoded = readText(value, `${name} of user '${id}'`, lineNo);
          if (decoded !== undefined) user[name] = decoded;
        };
        const setRaw = (name: 'email' | 'keys', value: string): void => {
          if (value === '' || (name === 'keys' && !perlTruthy(value))) return;
          const error = rawFieldError(value);
          if (error === undefined) user[name] = value;
          else sink.error(lineNo, `ignore ${name} of user '${id}' - ${error}`);
        };
        setText('firstname', field(4));
        setText('lastname', field(5));
        setRaw('email', field(6));
        setText('comment', field(7));
        setRaw('keys', field(8));
        // A repeated user line replaces the earlier record, tokens included.
        if (users.has(userid)) {
          for (const tokenid of [...tokens.keys()]) {
            if (ownerOf(tokenid) === userid) tokens.delete(tokenid);
          }
        }
        users.set(userid, user);
        break;
      }

      case 'token': {
        const id = field(1);
        const tokenid = asTokenId(id);
        if (tokenid === undefined) {
          sink.error(lineNo, `ignore invalid tokenid '${id}'`);
          break;
        }
        const expire = parseExpire(field(2));
        if (expire === undefined) {
          sink.error(lineNo, `ignore token '${id}' - (illegal characters in expire '${field(2)}')`);
          break;
        }
        if (!users.has(splitTokenId(tokenid).user)) {
          sink.error(lineNo, `ignore token '${id}' - user does not exist`);
          break;
        }
        // A repeated token line updates the entry; an empty comment keeps the earlier one.
        const token: Mutable<Token> = {
          ...tokens.get(tokenid),
          tokenid,
          expire,
          privsep: perlTruthy(field(3)),
        };
        const comment = readText(field(4), `comment of token '${id}'`, lineNo);
        if (comment !== undefined) token.comment = comment;
        tokens.set(tokenid, token);
        break;
      }

      case 'group': {
        const id = field(1);
        const groupid = asGroupId(id);
        if (groupid === undefined) {
          sink.error(lineNo, `ignore group '${id}' - invalid characters in group name`);
          break;
        }
        let group = groups.get(groupid);
        if (!group) groups.set(groupid, (group = { groupid, members: new Set() }));
        const comment = readText(field(3), `comment of group '${id}'`, lineNo);
        if (comment !== undefined) group.comment = comment;
        for (const member of splitList(field(2))) {
          if (refusedPiece(member, `group member '${member}'`, lineNo)) continue;
          const userid = asUserId(member);
          if (userid === undefined) {
            sink.error(lineNo, `ignore invalid group member '${member}'`);
            continue;
          }
          // Proxmox keeps members that name no user (yet) and honours them in ACLs.
          if (!users.has(userid)) sink.warning(lineNo, `ignore invalid group member '${member}'`);
          group.members.add(userid);
        }
        break;
      }

      case 'role': {
        const id = field(1);
        const roleid = asRoleId(id);
        if (roleid === undefined) {
          sink.error(lineNo, `ignore role '${id}' - invalid characters in role name`);
          break;
        }
        // Proxmox would merge these privileges into the built-in role for as long as the
        // process runs. Tessera keeps built-in roles exactly as documented instead.
        if (isBuiltinRole(roleid)) {
          sink.warning(lineNo, `ignore role '${id}' - built-in roles cannot be redefined`);
          break;
        }
        let role = roles.get(roleid);
        if (!role) roles.set(roleid, (role = { roleid, privileges: new Set() }));
        for (const priv of splitList(field(2))) {
          if (isPrivilege(priv)) role.privileges.add(priv);
          else sink.error(lineNo, `ignore invalid privilege '${priv}'`);
        }
        break;
      }

      case 'acl': {
        const propagate = perlTruthy(field(1));
        const pathText = field(2);
        const path = normalizeAclPath(pathText);
        if (path === undefined) {
          sink.error(lineNo, `ignore invalid path in acl '${pathText}'`);
          break;
        }
        // The node comes into existence with its first assignment.
        const node = (): MutableAclNode => {
          let found = acl.get(path);
          if (!found)
            acl.set(path, (found = { users: new Map(), groups: new Map(), tokens: new Map() }));
          return found;
        };
        for (const roleText of splitList(field(4))) {
          const roleid = asRoleId(roleText);
          if (roleid === undefined) {
            sink.error(lineNo, `ignore invalid role name '${roleText}' in acl`);
            continue;
          }
          if (!isBuiltinRole(roleid) && !roles.has(roleid)) {
            sink.error(lineNo, `ignore invalid acl role '${roleText}'`);
            continue;
          }
          for (const member of splitList(field(3))) {
            addAclMember(node, member, roleid, propagate, lineNo);
          }
        }
        break;
      }

      case 'pool': {
        const id = field(1);
        const poolid = asPoolId(id);
        if (poolid === undefined) {
          sink.error(lineNo, `ignore pool '${id}' - invalid characters in pool name`);
          break;
        }
        const pool = ensurePool(poolid);
        const comment = readText(field(2), `comment of pool '${id}'`, lineNo);
        if (comment !== undefined) pool.comment = comment;
        for (const vmidText of splitList(field(3))) {
          if (!DIGITS.test(vmidText)) {
            sink.error(lineNo, `ignore invalid vmid '${vmidText}' in pool '${id}'`);
            continue;
          }
          const vmid = vmidText.replace(/^0+(?=\d)/, '');
          if (vmid.length > VMID_MAX_DIGITS) {
            sink.error(lineNo, `ignore vmid '${vmidText}' in pool '${id}' - out of range`);
            continue;
          }
          if (poolOfVm.has(vmid)) {
            sink.error(lineNo, `ignore duplicate vmid '${vmid}' in pool '${id}'`);
            continue;
          }
          pool.vms.add(vmid);
          poolOfVm.set(vmid, poolid);
        }
        for (const storage of splitList(field(4))) {
          if (STORAGE_ID.test(storage)) pool.storage.add(storage);
          else sink.error(lineNo, `ignore invalid storage '${storage}' in pool '${id}'`);
        }
        break;
      }

      default:
        // `#` is not a comment marker in user.cfg: such lines are dropped on the next write.
        if (line.startsWith('#')) sink.warning(lineNo, `ignore config line: ${line}`);
        else sink.error(lineNo, `ignore config line: ${line}`);
    }
  }

  return {
    value: {
      users,
      tokens,
      groups: new Map<GroupId, Group>(groups),
      roles: new Map<RoleId, Role>(roles),
      pools: new Map<PoolId, Pool>(pools),
      acl,
    },
    diagnostics: sink.diagnostics,
  };

  /**
   * A percent-encoded text field: decoded and checked. Surrounding whitespace cannot survive
   * a write and read (fields are trimmed), so it is removed now, with a warning.
   */
  function readText(raw: string, what: string, lineNo: number): string | undefined {
    if (!perlTruthy(raw)) return undefined;
    const decoded = decodeText(raw);
    const trimmed = decoded.trim();
    const error = textFieldError(trimmed);
    if (error !== undefined) {
      sink.error(lineNo, `ignore ${what} - ${error}`);
      return undefined;
    }
    if (trimmed !== decoded) sink.warning(lineNo, `surrounding whitespace removed from ${what}`);
    return perlTruthy(trimmed) ? trimmed : undefined;
  }

  function refusedPiece(member: string, what: string, lineNo: number): boolean {
    const whole = pieces.get(member);
    if (whole === undefined) return false;
    sink.error(
      lineNo,
      `ignore ${what} - it may be a piece of the refused user name '${whole}', split at a list separator`,
    );
    return true;
  }

  function ensurePool(poolid: PoolId): MutablePool {
    let pool = pools.get(poolid);
    if (pool) return pool;
    // A nested pool brings its parents into existence.
    const parent = parentPool(poolid);
    if (parent !== undefined) ensurePool(parent);
    pools.set(poolid, (pool = { poolid, vms: new Set(), storage: new Set() }));
    return pool;
  }

  function addAclMember(
    node: () => MutableAclNode,
    member: string,
    roleid: RoleId,
    propagate: boolean,
    lineNo: number,
  ): void {
    if (refusedPiece(member.replace(/^@/, ''), `acl member '${member}'`, lineNo)) return;
    const groupName = /^@(\S+)$/.exec(member)?.[1];
    const groupid =
      groupName !== undefined && perlTruthy(groupName) ? asGroupId(groupName) : undefined;
    if (groupid !== undefined) {
      // Entries for groups and users that do not exist are kept and honoured, as upstream.
      if (!groups.has(groupid)) sink.warning(lineNo, `ignore invalid acl group '${groupid}'`);
      assign(node().groups, groupid, roleid, propagate);
      return;
    }
    const userid = asUserId(member);
    if (userid !== undefined) {
      if (!users.has(userid)) sink.warning(lineNo, `ignore invalid acl member '${member}'`);
      assign(node().users, userid, roleid, propagate);
      return;
    }
    const tokenid = asTokenId(member);
    if (tokenid !== undefined && tokens.has(tokenid)) {
      assign(node().tokens, tokenid, roleid, propagate);
      return;
    }
    sink.error(lineNo, `ignore invalid acl token '${member}'`);
  }
}

function assign<K>(
  members: Map<K, Map<RoleId, boolean>>,
  id: K,
  roleid: RoleId,
  propagate: boolean,
): void {
  let roles = members.get(id);
  if (!roles) members.set(id, (roles = new Map<RoleId, boolean>()));
  roles.set(roleid, propagate);
}

/** Perl's `$expire = 0 if !$expire` followed by `/^\d+$/`; undefined when invalid. */
function parseExpire(text: string): number | undefined {
  if (!perlTruthy(text)) return 0;
  if (!DIGITS.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** Writes user.cfg exactly as Proxmox does: fixed section order, sorted, trailing `:`. */
export function serializeUserCfg(config: UserConfig): string {
  let out = '';
  const tokensByUser = new Map<UserId, Token[]>();
  for (const token of config.tokens.values()) {
    const owner = ownerOf(token.tokenid);
    const list = tokensByUser.get(owner);
    if (list) list.push(token);
    else tokensByUser.set(owner, [token]);
  }

  for (const userid of sortedCodePoints(config.users.keys())) {
    const u = config.users.get(userid);
    if (!u) continue;
    out += `user:${id(userid, 'userid')}:${u.enable ? 1 : 0}:${u.expire}:${enc(u.firstname)}:${enc(u.lastname)}:${raw(u.email, 'email')}:${enc(u.comment)}:${raw(u.keys, 'keys')}:\n`;
    const tokens = (tokensByUser.get(userid) ?? []).sort((a, b) =>
      compareCodePoints(splitTokenId(a.tokenid).name, splitTokenId(b.tokenid).name),
    );
    for (const t of tokens) {
      out += `token:${id(t.tokenid, 'tokenid')}:${t.expire}:${t.privsep ? 1 : 0}:${enc(t.comment)}:\n`;
    }
  }
  out += '\n';

  for (const groupid of sortedCodePoints(config.groups.keys())) {
    const g = config.groups.get(groupid);
    if (!g) continue;
    out += `group:${id(groupid, 'groupid')}:${sortedCodePoints(g.members)
      .map((m) => id(m, 'userid'))
      .join(',')}:${enc(g.comment)}:\n`;
  }
  out += '\n';

  for (const poolid of sortedCodePoints(config.pools.keys())) {
    const p = config.pools.get(poolid);
    if (!p) continue;
    // VM ids are sorted as strings, like every other list ("1000" before "200").
    out += `pool:${id(poolid, 'poolid')}:${enc(p.comment)}:${sortedCodePoints(p.vms)
      .map((v) => id(v, 'vmid'))
      .join(',')}:${sortedCodePoints(p.storage)
      .map((s) => id(s, 'storage'))
      .join(',')}:\n`;
  }
  out += '\n';

  for (const roleid of sortedCodePoints(config.roles.keys())) {
    const r = config.roles.get(roleid);
    if (!r || isBuiltinRole(roleid)) continue;
    out += `role:${id(roleid, 'roleid')}:${sortedCodePoints(r.privileges).join(',')}:\n`;
  }
  out += '\n';

  for (const path of sortAclPaths(config.acl.keys())) {
    const node = config.acl.get(path);
    if (node) out += serializeAclNode(path, node);
  }
  return out;
}

function enc(value: string | undefined): string {
  return perlTruthy(value) ? encodeText(value ?? '') : '';
}

function raw(value: string | undefined, field: string): string {
  return perlTruthy(value) ? assertWritable(value ?? '', field, { colon: false }) : '';
}

/** Ids are validated when made; the writer checks again that none can break a line. */
function id(value: string, field: string): string {
  return assertWritable(value, field, { colon: false, space: false });
}

function serializeAclNode(path: AclPath, node: AclNode): string {
  // Members with the same role list and flag share one line.
  const byFlag: [Map<string, string[]>, Map<string, string[]>] = [
    new Map<string, string[]>(),
    new Map<string, string[]>(),
  ];
  const collect = (
    members: ReadonlyMap<string, ReadonlyMap<RoleId, boolean>>,
    prefix: string,
    exclude?: string,
  ): void => {
    for (const [member, assignments] of members) {
      // root@pam's ACLs are never written: it is always Administrator everywhere.
      if (member === exclude) continue;
      const lists: [string[], string[]] = [[], []];
      for (const roleid of sortedCodePoints(assignments.keys())) {
        lists[assignments.get(roleid) ? 1 : 0].push(roleid);
      }
      for (const flag of [0, 1] as const) {
        if (lists[flag].length === 0) continue;
        const key = lists[flag].join(',');
        const list = byFlag[flag].get(key);
        if (list) list.push(prefix + member);
        else byFlag[flag].set(key, [prefix + member]);
      }
    }
  };
  collect(node.groups, '@');
  collect(node.users, '', ROOT_USERID);
  collect(node.tokens, '');

  let out = '';
  for (const flag of [0, 1] as const) {
    for (const roleList of sortedCodePoints(byFlag[flag].keys())) {
      const members = sortedCodePoints(byFlag[flag].get(roleList) ?? []).join(',');
      out += `acl:${flag}:${id(path, 'path')}:${id(members, 'ugid')}:${id(roleList, 'roleid')}:\n`;
    }
  }
  return out;
}
