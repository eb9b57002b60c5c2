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
import type { AccessSnapshot } from '../../store/snapshot.js';
import { loadSnapshot, type CommandContext } from '../context.js';
import { OUTPUT_FORMATS } from '../output.js';

const FILES = ['user.cfg', 'domains.cfg', 'priv/shadow.cfg', 'priv/token.cfg', 'priv/tfa.cfg'];

// What completion reads of the command table (commands.ts, which loads this module).
type Options = Readonly<Record<string, { readonly type: 'string' | 'boolean' }>>;
export interface CompletionCommand {
  readonly words: readonly string[];
  readonly args: readonly string[];
  readonly options: Options;
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
  for (const word of words) {
    if (pending !== undefined) {
      if (pending === 'store') store = word;
      pending = undefined;
    } else if (word.startsWith('--')) {
      const name = word.slice(2).split('=')[0] ?? '';
      if (!word.includes('=') && takesValue(commands, globalOptions, name)) pending = name;
    } else positionals.push(word);
  }
  if (pending === 'output-format') return [...OUTPUT_FORMATS];
  if (pending !== undefined) return [];
  const command = find(positionals);
  if (cur.startsWith('-'))
    return Object.keys({ ...globalOptions, ...command?.options }).map((o) => `--${o}`);
  if (!command || positionals.length < command.words.length) {
    const next = commands
      .filter((c) => positionals.every((word, i) => c.words[i] === word))
      .map((c) => c.words[positionals.length] ?? '');
    if (positionals.length === 0) next.push('help');
    if (next.some((n) => n !== '')) return next;
  }
  if (!command) return [];
  const placeholder = command.args[positionals.length - command.words.length];
  if (placeholder === undefined) return [];
  const kinds = placeholder.replace(/[[\]<>]/g, '').split('|');
  let snapshot: AccessSnapshot;
  try {
    snapshot = await loadSnapshot({ ...ctx, storeUrl: store ?? ctx.storeUrl });
  } catch {
    return kinds.includes('file') ? FILES : [];
  }
  return kinds.flatMap((kind) => valuesOf(kind, snapshot));
}

function takesValue(
  commands: readonly CompletionCommand[],
  globalOptions: Options,
  name: string,
): boolean {
  for (const options of [globalOptions, ...commands.map((c) => c.options)])
    if (options[name]?.type === 'string') return true;
  return false;
}

function valuesOf(kind: string, snapshot: AccessSnapshot): string[] {
  const { users } = snapshot;
  switch (kind) {
    case 'userid':
      return [...users.users.keys()];
    case 'tokenid':
      return [...users.tokens.keys()].filter(isTokenId);
    case 'groupid':
      return [...users.groups.keys()];
    case 'roleid':
      return [...users.roles.keys()];
    case 'realm':
      return [...snapshot.domains.realms.keys()];
    case 'path':
      return ['/', ...users.acl.keys()];
    case 'privilege':
      return [...PRIVILEGES];
    case 'file':
      return FILES;
    default:
      return [];
  }
}
