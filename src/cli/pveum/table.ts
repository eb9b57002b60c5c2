/**
 * pveum's commands, each one API operation (api/operation.ts) with the parameters its
 * positional arguments fill and those it fixes, as Proxmox's `pveum` maps its command table
 * onto its API methods. Options, their checks and the help come from the operation's
 * schema, so the command line and the API cannot drift apart. Plain data: reading it loads
 * nothing else.
 */
import type { Method } from '../../api/operation.js';

/** How a command prints what its operation returns. */
export type Printer =
  /** Nothing (pveum's add, modify and delete commands). */
  | 'none'
  /** PVE::CLIFormatter's print_api_result, with the standard output options. */
  | 'result'
  /** pveum's permission table: one row per path, one privilege a line. */
  | 'permissions';

/** The API module that registers a command's operation (pveum/operations.ts loads it). */
export type OperationModule =
  'users' | 'tokens' | 'groups' | 'roles' | 'acl' | 'domains' | 'pools' | 'tfa' | 'permissions';

export interface PveumCommand {
  readonly words: readonly string[];
  readonly module: OperationModule;
  readonly method: Method;
  /** The operation's path, as the API registers it (`/access/users/:userid`). */
  readonly path: string;
  /** The parameters the positional arguments fill, in order. */
  readonly args: readonly string[];
  /** Parameters the command sets itself (`acl delete` is `update_acl` with `delete=1`). */
  readonly fixed?: Readonly<Record<string, string>>;
  /**
   * pveum's own methods that name a token by its user and name: the arguments `userid` and
   * `tokenid` join into the operation's `userid` as `user@realm!name`.
   */
  readonly tokenOfUser?: boolean;
  /**
   * What the command does, where its operation's description says more or less: pveum's own
   * methods, and commands that fix a parameter (`acl delete`).
   */
  readonly description?: string;
  readonly printer: Printer;
}

const users = '/access/users';
const token = '/access/users/:userid/token/:tokenid';

export const PVEUM_COMMANDS: readonly PveumCommand[] = [
  {
    words: ['user', 'add'],
    method: 'POST',
    path: users,
    module: 'users',
    args: ['userid'],
    printer: 'none',
  },
  {
    words: ['user', 'modify'],
    method: 'PUT',
    path: `${users}/:userid`,
    module: 'users',
    args: ['userid'],
    printer: 'none',
  },
  {
    words: ['user', 'delete'],
    method: 'DELETE',
    path: `${users}/:userid`,
    module: 'users',
    args: ['userid'],
    printer: 'none',
  },
  {
    words: ['user', 'list'],
    method: 'GET',
    path: users,
    module: 'users',
    args: [],
    printer: 'result',
  },
  {
    words: ['user', 'permissions'],
    method: 'GET',
    path: '/access/permissions',
    module: 'permissions',
    args: ['userid'],
    printer: 'permissions',
  },
  {
    words: ['user', 'tfa', 'unlock'],
    method: 'PUT',
    path: `${users}/:userid/unlock-tfa`,
    module: 'tfa',
    args: ['userid'],
    printer: 'none',
  },
  {
    words: ['user', 'token', 'permissions'],
    method: 'GET',
    path: '/access/permissions',
    module: 'permissions',
    args: ['userid', 'tokenid'],
    tokenOfUser: true,
    description: 'Effective permissions of one API token.',
    printer: 'permissions',
  },
  {
    words: ['user', 'token', 'add'],
    method: 'POST',
    path: token,
    module: 'tokens',
    args: ['userid', 'tokenid'],
    printer: 'result',
  },
  {
    words: ['user', 'token', 'modify'],
    method: 'PUT',
    path: token,
    module: 'tokens',
    args: ['userid', 'tokenid'],
    printer: 'result',
  },
  {
    words: ['user', 'token', 'delete'],
    method: 'DELETE',
    path: token,
    module: 'tokens',
    args: ['userid', 'tokenid'],
    printer: 'result',
  },
  {
    words: ['user', 'token', 'list'],
    method: 'GET',
    path: `${users}/:userid/token`,
    module: 'tokens',
    args: ['userid'],
    printer: 'result',
  },
  {
    words: ['group', 'add'],
    method: 'POST',
    path: '/access/groups',
    module: 'groups',
    args: ['groupid'],
    printer: 'none',
  },
  {
    words: ['group', 'modify'],
    method: 'PUT',
    path: '/access/groups/:groupid',
    module: 'groups',
    args: ['groupid'],
    printer: 'none',
  },
  {
    words: ['group', 'delete'],
    method: 'DELETE',
    path: '/access/groups/:groupid',
    module: 'groups',
    args: ['groupid'],
    printer: 'none',
  },
  {
    words: ['group', 'list'],
    method: 'GET',
    path: '/access/groups',
    module: 'groups',
    args: [],
    printer: 'result',
  },
  {
    words: ['role', 'add'],
    method: 'POST',
    path: '/access/roles',
    module: 'roles',
    args: ['roleid'],
    printer: 'none',
  },
  {
    words: ['role', 'modify'],
    method: 'PUT',
    path: '/access/roles/:roleid',
    module: 'roles',
    args: ['roleid'],
    printer: 'none',
  },
  {
    words: ['role', 'delete'],
    method: 'DELETE',
    path: '/access/roles/:roleid',
    module: 'roles',
    args: ['roleid'],
    printer: 'none',
  },
  {
    words: ['role', 'list'],
    method: 'GET',
    path: '/access/roles',
    module: 'roles',
    args: [],
    printer: 'result',
  },
  {
    words: ['acl', 'modify'],
    method: 'PUT',
    path: '/access/acl',
    module: 'acl',
    args: ['path'],
    fixed: { delete: '0' },
    description: 'Grants roles on a path to users, groups or API tokens.',
    printer: 'none',
  },
  {
    words: ['acl', 'delete'],
    method: 'PUT',
    path: '/access/acl',
    module: 'acl',
    args: ['path'],
    fixed: { delete: '1' },
    description: 'Takes roles on a path back from users, groups or API tokens.',
    printer: 'none',
  },
  {
    words: ['acl', 'list'],
    method: 'GET',
    path: '/access/acl',
    module: 'acl',
    args: [],
    printer: 'result',
  },
  {
    words: ['realm', 'add'],
    method: 'POST',
    path: '/access/domains',
    module: 'domains',
    args: ['realm'],
    printer: 'none',
  },
  {
    words: ['realm', 'modify'],
    method: 'PUT',
    path: '/access/domains/:realm',
    module: 'domains',
    args: ['realm'],
    printer: 'none',
  },
  {
    words: ['realm', 'delete'],
    method: 'DELETE',
    path: '/access/domains/:realm',
    module: 'domains',
    args: ['realm'],
    printer: 'none',
  },
  {
    words: ['realm', 'list'],
    method: 'GET',
    path: '/access/domains',
    module: 'domains',
    args: [],
    printer: 'result',
  },
  {
    words: ['pool', 'add'],
    method: 'POST',
    path: '/pools',
    module: 'pools',
    args: ['poolid'],
    printer: 'none',
  },
  {
    words: ['pool', 'modify'],
    method: 'PUT',
    path: '/pools',
    module: 'pools',
    args: ['poolid'],
    printer: 'none',
  },
  {
    words: ['pool', 'delete'],
    method: 'DELETE',
    path: '/pools',
    module: 'pools',
    args: ['poolid'],
    printer: 'none',
  },
  {
    words: ['pool', 'list'],
    method: 'GET',
    path: '/pools',
    module: 'pools',
    args: [],
    printer: 'result',
  },
];

/** pveum's old one-word commands and other second names. */
export const PVEUM_ALIASES: Readonly<Record<string, readonly string[]>> = {
  useradd: ['user', 'add'],
  usermod: ['user', 'modify'],
  userdel: ['user', 'delete'],
  groupadd: ['group', 'add'],
  groupmod: ['group', 'modify'],
  groupdel: ['group', 'delete'],
  roleadd: ['role', 'add'],
  rolemod: ['role', 'modify'],
  roledel: ['role', 'delete'],
  aclmod: ['acl', 'modify'],
  acldel: ['acl', 'delete'],
  'user token remove': ['user', 'token', 'delete'],
};

export interface PveumMatch {
  readonly command: PveumCommand;
  /** How many words of the command line named it. */
  readonly consumed: number;
}

/** The pveum command the leading words name, aliases resolved; `undefined` if none. */
export function findPveumCommand(words: readonly string[]): PveumMatch | undefined {
  for (const [alias, target] of Object.entries(PVEUM_ALIASES)) {
    const aliasWords = alias.split(' ');
    if (aliasWords.every((word, i) => words[i] === word)) {
      const command = PVEUM_COMMANDS.find((c) => sameWords(c.words, target));
      if (command) return { command, consumed: aliasWords.length };
    }
  }
  const command = PVEUM_COMMANDS.find((c) => c.words.every((word, i) => words[i] === word));
  return command ? { command, consumed: command.words.length } : undefined;
}

function sameWords(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((word, i) => b[i] === word);
}
