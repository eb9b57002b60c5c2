/** pveum's commands as the help lists them: their command lines and what they do. */
import type { Operation } from '../../api/operation.js';
import type { ParamSpec } from '../../api/params.js';
import { operationOf } from './operations.js';
import { PVEUM_ALIASES, PVEUM_COMMANDS } from './table.js';
import { commandSchema } from './schema.js';

/** A command of pveum's, derived from its API operation, as the help lists it. */
export interface HelpRow {
  readonly words: readonly string[];
  /** Its command line, as in `user add <userid>`. */
  readonly line: string;
  readonly summary: string;
}

/** Every command's operation, in the table's order. */
async function allOperations(): Promise<Operation[]> {
  return Promise.all(PVEUM_COMMANDS.map((command) => operationOf(command)));
}

export async function pveumHelpRows(): Promise<HelpRow[]> {
  const operations = await allOperations();
  const aliases = Object.entries(PVEUM_ALIASES);
  return PVEUM_COMMANDS.map((command, i) => {
    const operation = operations[i];
    const args = command.args.map((name) =>
      operation !== undefined && commandSchema(command, operation)[name]?.optional === true
        ? `[<${name}>]`
        : `<${name}>`,
    );
    const alias = aliases.find(([, target]) => target.join(' ') === command.words.join(' '));
    return {
      words: command.words,
      line: [...command.words, ...args].join(' '),
      summary:
        (command.description ?? operation?.doc.description ?? '') +
        (alias !== undefined ? ` (Also: ${alias[0]}.)` : ''),
    };
  });
}

/** What completion offers for a parameter of these names (complete.ts's kinds). */
const KIND_OF: Readonly<Record<string, string>> = {
  userid: 'userid',
  users: 'userid',
  groupid: 'groupid',
  groups: 'groupid',
  roleid: 'roleid',
  roles: 'role',
  privs: 'privilege',
  realm: 'realm',
  path: 'path',
  poolid: 'poolid',
  tokens: 'tokenid',
};

/** A parameter as completion reads it: its value's kind, or the values its type text lists. */
export interface CompletionOption {
  readonly type: 'string' | 'boolean';
  /** The values to offer: an enumeration's, or `0`/`1` for a boolean. */
  readonly values?: readonly string[];
  /** What to read from the configuration (complete.ts's kinds). */
  readonly kind?: string;
  /** A comma-separated list: each element is completed. */
  readonly list?: boolean;
}

function completionOption(name: string, spec: ParamSpec): CompletionOption {
  if (spec.type === 'boolean') return { type: 'boolean', values: ['0', '1'] };
  const enumeration = /^<([^<>|]+(?: \| [^<>|]+)+)>$/.exec(spec.typetext ?? '')?.[1];
  const kind = KIND_OF[name];
  return {
    type: 'string',
    ...(enumeration !== undefined ? { values: enumeration.split(' | ') } : {}),
    ...(kind !== undefined ? { kind } : {}),
    ...(spec.list === true ? { list: true } : {}),
  };
}

/**
 * pveum's commands (and aliases) as completion reads them: words, arguments (a token's name
 * is `<token-name>`: the names of the tokens of the user before it), options. pveum's
 * Getopt takes `-name` as well as `--name`.
 */
export async function pveumCompletionSpecs(): Promise<
  {
    words: readonly string[];
    args: readonly string[];
    options: Readonly<Record<string, CompletionOption>>;
    singleDash: boolean;
  }[]
> {
  const operations = await allOperations();
  const specs = PVEUM_COMMANDS.map((command, i) => {
    const operation = operations[i];
    const options: Record<string, CompletionOption> = {};
    for (const [name, spec] of Object.entries(
      operation !== undefined ? commandSchema(command, operation) : {},
    ))
      if (!command.args.includes(name) && !(command.fixed && name in command.fixed))
        options[name] = completionOption(name, spec);
    const args = command.args.map((a) =>
      a === 'tokenid' && command.args.includes('userid') ? '<token-name>' : `<${a}>`,
    );
    return { words: command.words, args, options, singleDash: true };
  });
  const aliases = Object.entries(PVEUM_ALIASES).flatMap(([alias, target]) => {
    const spec = specs.find((s) => s.words.join(' ') === target.join(' '));
    return spec ? [{ ...spec, words: alias.split(' ') }] : [];
  });
  return [...specs, ...aliases];
}
