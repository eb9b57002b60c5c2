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
import { COMMANDS, GLOBAL_OPTIONS, type CommandSpec } from '../commands.js';
import { loadSnapshot, type CommandContext } from '../context.js';
import { OUTPUT_FORMATS } from '../output.js';

const FILES = ['user.cfg', 'domains.cfg', 'priv/shadow.cfg', 'priv/token.cfg', 'priv/tfa.cfg'];

export async function bashComplete(ctx: CommandContext): Promise<number> {
  const line = process.env['COMP_LINE'] ?? '';
  const point = Number(process.env['COMP_POINT'] ?? line.length);
  const typed = line.slice(0, Number.isFinite(point) ? point : line.length);
  const words = typed.split(/\s+/).filter((w) => w !== '');
  const cur = /\s$/.test(typed) || words.length <= 1 ? '' : (words.pop() ?? '');
  words.shift(); // the program's name
  const candidates = await complete(words, cur, ctx);
  const out = [...new Set(candidates)].filter((c) => c.startsWith(cur)).sort();
  if (out.length > 0) ctx.io.out(`${out.join('\n')}\n`);
  return 0;
}

async function complete(words: string[], cur: string, ctx: CommandContext): Promise<string[]> {
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
      if (!word.includes('=') && takesValue(name)) pending = name;
    } else positionals.push(word);
  }
  if (pending === 'output-format') return [...OUTPUT_FORMATS];
  if (pending !== undefined) return [];
  const command = longestCommand(positionals);
  if (cur.startsWith('-'))
    return Object.keys({ ...GLOBAL_OPTIONS, ...command?.options }).map((o) => `--${o}`);
  if (!command || positionals.length < command.words.length) {
    const next = COMMANDS.filter((c) => positionals.every((word, i) => c.words[i] === word)).map(
      (c) => c.words[positionals.length] ?? '',
    );
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

function takesValue(name: string): boolean {
  for (const options of [GLOBAL_OPTIONS, ...COMMANDS.map((c) => c.options)])
    if (options[name]?.type === 'string') return true;
  return false;
}

function longestCommand(positionals: readonly string[]): CommandSpec | undefined {
  let found: CommandSpec | undefined;
  for (const command of COMMANDS)
    if (
      command.words.every((word, i) => positionals[i] === word) &&
      command.words.length > (found?.words.length ?? 0)
    )
      found = command;
  return found;
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
