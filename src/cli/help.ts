/**
 * The help of `tessera` and of each command, laid out for an 80-column terminal: names in a
 * column, descriptions wrapped beside them, and a name too long for the column on a line of
 * its own.
 */
import { COMMANDS, GLOBAL_OPTIONS, type CommandSpec, type OptionSpec } from './commands.js';
import type { HelpRow } from './pveum/describe.js';

export const HELP_WIDTH = 80;
/** The widest name column; longer names put their description on the next line. */
const MAX_NAME_COLUMN = 30;
const INDENT = '  ';
const GAP = '  ';

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** Two columns: each name with its description wrapped to the terminal's width. */
function columns(rows: readonly (readonly [string, string])[]): string[] {
  const fitting = rows.map(([name]) => name.length).filter((n) => n <= MAX_NAME_COLUMN);
  const column = Math.max(0, ...fitting);
  const pad = INDENT + ' '.repeat(column) + GAP;
  const out: string[] = [];
  for (const [name, description] of rows) {
    const text = wrap(description, HELP_WIDTH - pad.length);
    if (name.length > column) {
      out.push(INDENT + name);
      out.push(...text.map((line) => pad + line));
    } else {
      out.push(INDENT + name.padEnd(column) + GAP + (text[0] ?? ''));
      out.push(...text.slice(1).map((line) => pad + line));
    }
  }
  return out;
}

function optionName(name: string, spec: OptionSpec): string {
  return spec.value !== undefined ? `--${name} <${spec.value}>` : `--${name}`;
}

function commandLine(command: CommandSpec): string {
  return [...command.words, ...command.args].join(' ');
}

function rowsUnder(words: readonly string[], derived: readonly HelpRow[]): [string, string][] {
  const under = (w: readonly string[]): boolean => words.every((word, i) => w[i] === word);
  const rows = [
    ...derived.filter((r) => under(r.words)).map((r) => ({ words: r.words, row: r })),
    ...commandsUnder(words).map((c) => ({
      words: c.words,
      row: { line: commandLine(c), summary: c.summary },
    })),
  ];
  // Each group of commands together (Tessera's `user logout` with pveum's `user add`), in
  // the order the groups first appear; within a group, the table's order.
  const group = (w: readonly string[]): string => w.slice(0, words.length + 1).join(' ');
  const firstSeen = new Map<string, number>();
  for (const [i, { words: w }] of rows.entries())
    if (!firstSeen.has(group(w))) firstSeen.set(group(w), i);
  return rows
    .map((r, i) => ({ ...r, i, rank: firstSeen.get(group(r.words)) ?? 0 }))
    .sort((a, b) => a.rank - b.rank || a.i - b.i)
    .map(({ row }): [string, string] => [row.line, row.summary]);
}

/** The commands whose words begin with `words`, as in `tessera user tfa`. */
export function commandsUnder(words: readonly string[]): CommandSpec[] {
  return COMMANDS.filter((c) => words.every((word, i) => c.words[i] === word));
}

/** `tessera user --help`: the commands of a group. */
export function groupHelp(words: readonly string[], derived: readonly HelpRow[] = []): string {
  return [
    `Usage: tessera ${words.join(' ')} <command> [<arguments>] [<options>]`,
    '',
    'Commands:',
    ...columns(rowsUnder(words, derived)),
    '',
    "'tessera <command> --help' shows the options of a command.",
    '',
  ].join('\n');
}

/** `tessera --help`: every command in a line or two, and the global options. */
export function mainHelp(derived: readonly HelpRow[] = []): string {
  return [
    'Usage: tessera [<global options>] <command> [<arguments>] [<options>]',
    '',
    'Commands:',
    ...columns([
      ...rowsUnder([], derived),
      ['help [<command>]', 'This text, or the help of a command.'],
    ]),
    '',
    'Global options:',
    ...columns(
      Object.entries(GLOBAL_OPTIONS).map(([name, spec]): [string, string] => [
        optionName(name, spec),
        spec.description,
      ]),
    ),
    '',
    "'tessera <command> --help' shows the options of a command.",
    '',
  ].join('\n');
}

/** `tessera <command> --help`: its usage, what it does, and its options. */
export function commandHelp(command: CommandSpec): string {
  const options = Object.entries(command.options);
  return [
    `Usage: tessera ${commandLine(command)}${options.length > 0 ? ' [<options>]' : ''}`,
    '',
    ...wrap(command.summary, HELP_WIDTH),
    ...(command.details !== undefined ? ['', ...wrap(command.details, HELP_WIDTH)] : []),
    ...(options.length > 0
      ? [
          '',
          'Options:',
          ...columns(
            options.map(([name, spec]): [string, string] => [
              optionName(name, spec),
              spec.description,
            ]),
          ),
        ]
      : []),
    '',
    'Global options: --store <url>, --output-format <format> (see tessera --help).',
    '',
  ].join('\n');
}
