/** pveum's commands as the help lists them: their command lines and what they do. */
import type { Operation } from '../../api/operation.js';
import { operationOf } from './operations.js';
import { PVEUM_ALIASES, PVEUM_COMMANDS } from './table.js';

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
      operation?.schema[name]?.optional === true ? `[<${name}>]` : `<${name}>`,
    );
    const alias = aliases.find(([, target]) => target.join(' ') === command.words.join(' '));
    return {
      words: command.words,
      line: [...command.words, ...args].join(' '),
      summary:
        (operation?.doc.description ?? '') + (alias !== undefined ? ` (Also: ${alias[0]}.)` : ''),
    };
  });
}

/** pveum's commands (and aliases) as completion reads them: words, arguments, options. */
export async function pveumCompletionSpecs(): Promise<
  {
    words: readonly string[];
    args: readonly string[];
    options: Readonly<Record<string, { readonly type: 'string' | 'boolean' }>>;
  }[]
> {
  const operations = await allOperations();
  const specs = PVEUM_COMMANDS.map((command, i) => {
    const operation = operations[i];
    const options: Record<string, { type: 'string' | 'boolean' }> = {};
    for (const [name, spec] of Object.entries(operation?.schema ?? {}))
      if (!command.args.includes(name) && !(command.fixed && name in command.fixed))
        options[name] = { type: spec.type === 'boolean' ? 'boolean' : 'string' };
    return { words: command.words, args: command.args.map((a) => `<${a}>`), options };
  });
  const aliases = Object.entries(PVEUM_ALIASES).flatMap(([alias, target]) => {
    const spec = specs.find((s) => s.words.join(' ') === target.join(' '));
    return spec ? [{ ...spec, words: alias.split(' ') }] : [];
  });
  return [...specs, ...aliases];
}
