/**
 * `tessera bashcomplete`: bash's completion for tessera, the way pveum does it
 * (`complete -o default -C 'tessera bashcomplete' tessera`, contrib/bash-completion/tessera):
 * bash sets COMP_LINE and COMP_POINT and takes the candidates printed, one per line. It
 * completes command words, options, output formats, and arguments from the configuration:
 * user and token ids, groups, roles, realms, ACL paths, privileges, Proxmox file names.
 * Anything unreadable (no store yet) just completes nothing.
 */
import { isTokenId } from '../../model/ids.js';
import { PRIVILEGES } from '../../model/privileges.js';
import { BUILTIN_ROLES } from '../../model/roles.js';
import type { AccessSnapshot } from '../../store/snapshot.js';
import { loadSnapshot, type CommandContext } from '../context.js';
import { OUTPUT_FORMATS } from '../output.js';

const FILES = ['user.cfg', 'domains.cfg', 'priv/shadow.cfg', 'priv/token.cfg', 'priv/tfa.cfg'];

// What completion reads of the command table (commands.ts, which loads this module).
interface OptionCompletion {
  readonly type: 'string' | 'boolean';
  /** The values to offer (an enumeration, `0`/`1`). */
  readonly values?: readonly string[];
  /** What to read from the configuration, as an argument's placeholder names it. */
  readonly kind?: string;
  /** A comma-separated list: the element after the last comma is completed. */
  readonly list?: boolean;
}
type Options = Readonly<Record<string, OptionCompletion>>;
export interface CompletionCommand {
  readonly words: readonly string[];
  readonly args: readonly string[];
  readonly options: Options;
  /**
   * A pveum command: its Getopt takes `-name` too, a boolean option takes a value (0 or 1),
   * and once the arguments are given its options are offered, as pveum's completion does.
   */
  readonly singleDash?: boolean;
}

/** The command table comes from the caller: commands.ts loads this module. */
export async function bashComplete(table: CompletionTable, ctx: CommandContext): Promise<number> {
  const line = process.env['COMP_LINE'] ?? '';
  const point = Number(process.env['COMP_POINT'] ?? line.length);
  const typed = line.slice(0, Number.isFinite(point) ? point : line.length);
  const words = typed.split(/\s+/).filter((w) => w !== '');
  const cur = /\s$/.test(typed) || words.length <= 1 ? '' : (words.pop() ?? '');
  words.shift(); // the program's name
  const candidates = await complete(table, words, cur, ctx);
  const out = [...new Set(candidates)].filter((c) => c.startsWith(cur)).sort();
  if (out.length > 0) ctx.io.out(`${out.join('\n')}\n`);
  return 0;
}

export interface CompletionTable {
  readonly commands: readonly CompletionCommand[];
  readonly globalOptions: Options;
  /** The command the words name (commands.ts's findCommand). */
  readonly find: (positionals: readonly string[]) => CompletionCommand | undefined;
}

const BOOLEAN_VALUE = /^(?:[01]|on|off|yes|no|true|false)$/i;

async function complete(
  { commands, globalOptions, find }: CompletionTable,
  words: string[],
  cur: string,
  ctx: CommandContext,
): Promise<string[]> {
  // Options and their values are not command words or positional arguments.
  const positionals: string[] = [];
  let store: string | undefined;
  let pending: string | undefined;
  let afterBoolean = false;
  const optionOf = (name: string): OptionCompletion | undefined =>
    globalOptions[name] ??
    find(positionals)?.options[name] ??
    commands.find((c) => c.options[name] !== undefined)?.options[name];
  for (const word of words) {
    const wasBoolean = afterBoolean;
    afterBoolean = false;
    if (pending !== undefined) {
      if (pending === 'store') store = word;
      pending = undefined;
    } else if (word.startsWith('-') && word !== '-') {
      const name = word.replace(/^--?/, '').split('=')[0] ?? '';
      const option = optionOf(name);
      if (!word.includes('=') && option?.type === 'string') pending = name;
      else if (!word.includes('=') && option?.type === 'boolean') afterBoolean = true;
    } else if (!(wasBoolean && find(positionals)?.singleDash === true && BOOLEAN_VALUE.test(word)))
      positionals.push(word);
  }
  const command = find(positionals);
  if (pending === 'output-format') return [...OUTPUT_FORMATS];
  if (pending !== undefined) return optionValues(command?.options[pending], cur, store, ctx);
  if (cur.startsWith('-')) {
    const names = Object.keys({ ...globalOptions, ...command?.options });
    // pveum's Getopt takes `-name`: offered in the form being typed.
    const dashes =
      command?.singleDash === true && !cur.startsWith('--') && cur !== '-' ? '-' : '--';
    return names.map((o) => `${dashes}${o}`);
  }
  if (afterBoolean && command?.singleDash === true) return ['0', '1'];
  if (!command || positionals.length < command.words.length) {
    const next = commands
      .filter((c) => positionals.every((word, i) => c.words[i] === word))
      .map((c) => c.words[positionals.length] ?? '');
    if (positionals.length === 0) next.push('help');
    if (next.some((n) => n !== '')) return next;
  }
  if (!command) return [];
  const given = positionals.slice(command.words.length);
  const placeholder = command.args[given.length];
  if (placeholder === undefined)
    return command.singleDash === true ? Object.keys(command.options).map((o) => `--${o}`) : [];
  const kinds = placeholder.replace(/[[\]<>]/g, '').split('|');
  // Earlier arguments by kind: a token's name is completed among its user's tokens.
  const typed: Record<string, string> = {};
  command.args.forEach((arg, i) => {
    const value = given[i];
    if (value !== undefined) typed[arg.replace(/[[\]<>]/g, '')] = value;
  });
  const snapshot = await snapshotOf(store, ctx);
  if (snapshot === undefined) return kinds.includes('file') ? FILES : [];
  return kinds.flatMap((kind) => valuesOf(kind, snapshot, typed));
}

async function snapshotOf(
  store: string | undefined,
  ctx: CommandContext,
): Promise<AccessSnapshot | undefined> {
  try {
    return await loadSnapshot({ ...ctx, storeUrl: store ?? ctx.storeUrl });
  } catch {
    return undefined;
  }
}

/** The values of an option: its own, or the configuration's; in a list, after the last comma. */
async function optionValues(
  option: OptionCompletion | undefined,
  cur: string,
  store: string | undefined,
  ctx: CommandContext,
): Promise<string[]> {
  let values: readonly string[] = option?.values ?? [];
  if (option?.kind !== undefined) {
    const snapshot = await snapshotOf(store, ctx);
    values = snapshot === undefined ? [] : valuesOf(option.kind, snapshot, {});
  }
  const prefix = option?.list === true ? cur.slice(0, cur.lastIndexOf(',') + 1) : '';
  return values.map((value) => prefix + value);
}

/** Where ACL entries usually go, besides the paths that already have one. */
const ACL_ROOTS = [
  '/',
  '/access',
  '/access/groups',
  '/access/realm',
  '/mapping',
  '/nodes',
  '/pool',
  '/sdn',
  '/storage',
  '/vms',
];

function valuesOf(
  kind: string,
  snapshot: AccessSnapshot,
  typed: Readonly<Record<string, string>>,
): string[] {
  const { users } = snapshot;
  switch (kind) {
    case 'userid':
      return [...users.users.keys()];
    case 'tokenid':
      return [...users.tokens.keys()].filter(isTokenId);
    case 'token-name': {
      const owner = `${typed['userid'] ?? ''}!`;
      return [...users.tokens.keys()]
        .filter((id) => id.startsWith(owner))
        .map((id) => id.slice(owner.length));
    }
    case 'groupid':
      return [...users.groups.keys()];
    case 'roleid':
      return [...users.roles.keys()];
    // A role to grant: the built-in ones as well as the custom ones.
    case 'role':
      return [...BUILTIN_ROLES.keys(), ...users.roles.keys()];
    case 'realm':
      return [...snapshot.domains.realms.keys()];
    case 'poolid':
      return [...users.pools.keys()];
    case 'path':
      return [
        ...ACL_ROOTS,
        ...[...users.pools.keys()].map((pool) => `/pool/${pool}`),
        ...[...users.groups.keys()].map((group) => `/access/groups/${group}`),
        ...[...snapshot.domains.realms.keys()].map((realm) => `/access/realm/${realm}`),
        ...users.acl.keys(),
      ];
    case 'privilege':
      return [...PRIVILEGES];
    case 'file':
      return FILES;
    default:
      return [];
  }
}
