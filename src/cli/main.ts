/**
 * The `tessera` command line: one command tree, shaped like Proxmox's `pveum`. The command
 * table (commands.ts) says what each command takes; the command's own module is loaded only
 * when it runs.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { isTesseraError } from '../errors.js';
import {
  completionTable,
  COMMANDS,
  findCommand,
  GLOBAL_OPTIONS,
  type OptionSpec,
} from './commands.js';
import { commandHelp, commandsUnder, groupHelp, mainHelp } from './help.js';
import type { HelpRow } from './pveum/describe.js';
import { extractOutputOptions } from './output-options.js';
import { nearestCommands } from './suggest.js';
import { findPveumCommand, PVEUM_COMMANDS } from './pveum/table.js';
import { parseOutputFormat, processIo, type Io } from './output.js';

type ParseOptions = NonNullable<ParseArgsConfig['options']>;

/**
 * Every option any command takes, so that options may stand before or after the command
 * words; each command then refuses the ones that are not its own. An option has one type
 * wherever it appears (a test holds the table to that).
 */
function allOptions(): ParseOptions {
  const options: ParseOptions = {};
  const add = (name: string, spec: OptionSpec): void => {
    options[name] = { type: spec.type };
  };
  for (const [name, spec] of Object.entries(GLOBAL_OPTIONS)) add(name, spec);
  for (const command of COMMANDS)
    for (const [name, spec] of Object.entries(command.options)) add(name, spec);
  const help = options['help'];
  if (help) options['help'] = { ...help, short: 'h' };
  return options;
}

/** Global options that take a value, so that the command's words can be found after them. */
const VALUED_GLOBALS = new Set(['store', 'output-format', 'remote', 'token-file', 'fingerprint']);

/** The command words of a command line, and what stands before and after them. */
function splitWords(argv: readonly string[]): {
  before: string[];
  words: string[];
  after: readonly string[];
} {
  const before: string[] = [];
  let i = 0;
  while (i < argv.length && (argv[i] ?? '').startsWith('-') && argv[i] !== '--') {
    const name = /^--?([^=]+)$/.exec(argv[i] ?? '')?.[1];
    before.push(argv[i] ?? '');
    i++;
    if (name !== undefined && VALUED_GLOBALS.has(name) && i < argv.length) {
      before.push(argv[i] ?? '');
      i++;
    } else if (/^(?:[01]|on|off|yes|no|true|false)$/i.test(argv[i] ?? '')) {
      before.push(argv[i] ?? '');
      i++;
    }
  }
  const words: string[] = [];
  while (i < argv.length && !(argv[i] ?? '').startsWith('-')) words.push(argv[i++] ?? '');
  return { before, words, after: argv.slice(i) };
}

async function derivedHelpRows(): Promise<HelpRow[]> {
  return (await import('./pveum/describe.js')).pveumHelpRows();
}

/** pveum's commands run with pveum's option parsing (pveum/getopt.ts). */
async function runDerived(argv: readonly string[], io: Io): Promise<number | undefined> {
  const { before, words, after } = splitWords(argv);
  // `--help` anywhere asks for the command's help, before its arguments are checked: a
  // command line that asks how to use the command need not be complete.
  const asksHelp = words[0] === 'help' || before.includes('--help') || after.includes('--help');
  const named = words[0] === 'help' ? words.slice(1) : words;
  const match = findPveumCommand(named);
  if (!match) return undefined;
  const run = await import('./pveum/run.js');
  if (asksHelp) {
    io.out(await run.helpText(match.command));
    return 0;
  }
  return run.runPveumCommand({
    command: match.command,
    argv: [...before, ...named.slice(match.consumed), ...after],
    io,
  });
}

/** Whether some command's words begin with these (a group, as in `tessera user`). */
function isGroup(words: readonly string[]): boolean {
  const under = (w: readonly string[]): boolean =>
    w.length > words.length && words.every((word, i) => w[i] === word);
  return PVEUM_COMMANDS.some((c) => under(c.words)) || commandsUnder(words).length > 0;
}

/** Runs the command line; returns the exit status (0 ok, 1 failed, 2 usage error). */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const derived = await runDerived(argv, io);
  if (derived !== undefined) return derived;
  // Bash passes the word being completed as an argument: it may look like any option.
  if (argv[0] === 'bashcomplete' && process.env['COMP_LINE'] !== undefined) {
    const { bashComplete } = await import('./commands/complete.js');
    return bashComplete(await completionTable(), {
      io,
      format: 'text',
      output: {},
      args: [],
      options: {},
      storeUrl: undefined,
    });
  }
  try {
    const standard = extractOutputOptions(argv);
    const { values, positionals } = parseArgs({
      args: [...standard.argv],
      allowPositionals: true,
      strict: true,
      options: allOptions(),
    });
    const asksHelp = values['help'] === true || positionals[0] === 'help';
    const words = positionals[0] === 'help' ? positionals.slice(1) : positionals;
    if (words.length === 0) {
      io.out(mainHelp(await derivedHelpRows()));
      return asksHelp ? 0 : 2;
    }
    const command = findCommand(words);
    if (!command) {
      // The first words of several commands, as in `tessera user`: that group's commands.
      if (isGroup(words)) {
        const help = groupHelp(words, await derivedHelpRows());
        if (asksHelp) io.out(help);
        else io.err(`tessera: '${words.join(' ')}' needs a command\n\n${help}`);
        return asksHelp ? 0 : 2;
      }
      const nearest = nearestCommands(words);
      io.err(
        `tessera: unknown command '${words.join(' ')}'\n` +
          (nearest.length > 0
            ? `Did you mean: ${nearest.map((n) => `'tessera ${n}'`).join(', ')}?\n`
            : isGroup(words.slice(0, 1))
              ? `\n${groupHelp(words.slice(0, 1), await derivedHelpRows())}`
              : '') +
          `'tessera help' lists every command.\n`,
      );
      return 2;
    }
    if (asksHelp) {
      io.out(commandHelp(command));
      return 0;
    }
    for (const name of Object.keys(values)) {
      if (!(name in GLOBAL_OPTIONS) && !(name in command.options)) {
        io.err(
          `tessera: option '--${name}' is not valid for '${command.words.join(' ')}'\n` +
            `'tessera ${command.words.join(' ')} --help' lists its options.\n`,
        );
        return 2;
      }
    }
    // No option is declared `multiple`: a repeated option keeps its last value.
    const options: Record<string, string | boolean> = {};
    for (const [name, value] of Object.entries(values))
      if (typeof value === 'string' || typeof value === 'boolean') options[name] = value;
    const store = options['store'];
    const format = options['output-format'];
    const outputFormat = parseOutputFormat(typeof format === 'string' ? format : undefined);
    const run = await command.load();
    return await run({
      io,
      format: outputFormat,
      output: { ...standard.options, outputFormat },
      args: positionals.slice(command.words.length),
      options,
      storeUrl: typeof store === 'string' ? store : undefined,
    });
  } catch (err) {
    if (isTesseraError(err)) {
      io.err(`tessera: ${err.field !== undefined ? `${err.field}: ` : ''}${err.detail}\n`);
      return err.code === 'usage' || err.code === 'invalid_value' ? 2 : 1;
    }
    if (
      err instanceof TypeError &&
      'code' in err &&
      String(err.code).startsWith('ERR_PARSE_ARGS')
    ) {
      io.err(`tessera: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
