/**
 * The usage of a pveum command, laid out as pveum lays it out (PVE::RESTHandler's
 * getopt_usage): the one-line form printed after a refused command line, and the long help
 * with the method's description, its arguments and its options, sorted by name.
 */
import type { Operation } from '../../api/operation.js';
import type { ParamSpec } from '../../api/params.js';
import type { PveumCommand } from './table.js';

/** Proxmox's type text: `<string>`, `<boolean>`, `<integer> (0 - N)` or the schema's own. */
export function typeText(spec: ParamSpec): string {
  if (spec.typetext !== undefined) return spec.typetext;
  if (spec.type === 'integer' && spec.minimum !== undefined)
    return `<integer> (${String(spec.minimum)} - N)`;
  return `<${spec.type}>`;
}

interface Shape {
  readonly args: readonly (readonly [string, ParamSpec])[];
  /** Options by name, sorted as Perl sorts them. */
  readonly options: readonly (readonly [string, ParamSpec])[];
}

function shape(command: PveumCommand, operation: Operation): Shape {
  const fixed = command.fixed ?? {};
  const args = command.args.flatMap((name): [string, ParamSpec][] => {
    const spec = operation.schema[name];
    return spec === undefined ? [] : [[name, spec]];
  });
  const options = Object.entries(operation.schema)
    .filter(([name]) => !command.args.includes(name) && !(name in fixed))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { args, options };
}

/** `tessera user add <userid> [OPTIONS]`, as pveum prints it after a refused command line. */
export function shortUsage(program: string, command: PveumCommand, operation: Operation): string {
  const { args, options } = shape(command, operation);
  const parts = args.map(([name, spec]) => (spec.optional === true ? `[<${name}>]` : `<${name}>`));
  for (const [name, spec] of options)
    if (spec.optional !== true) parts.push(`--${name} <${spec.type}>`);
  let line = `${program} ${command.words.join(' ')} ${parts.join(' ')}`;
  if (options.length > 0) line += ' [OPTIONS]';
  if (command.printer !== 'none') line += ' [FORMAT_OPTIONS]';
  return `${line}\n`;
}

const WIDTH = 76;
const INDENT = ' '.repeat(13);

function wrap(text: string, first: string, rest: string): string {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (!empty && line.length + 1 + word.length > WIDTH - 1) {
      lines.push(line);
      line = rest + word;
    } else line = empty ? line + word : `${line} ${word}`;
    empty = false;
  }
  lines.push(line);
  return lines.join('\n');
}

function describe(display: string, spec: ParamSpec): string {
  const defaultText = spec.default !== undefined ? `   (default=${String(spec.default)})` : '';
  const head = `  ${display.padEnd(10)} ${typeText(spec)}${defaultText}`;
  return `${head}\n${wrap(spec.description ?? 'no description available', INDENT, INDENT)}\n\n`;
}

/** `tessera help user add`: pveum's long usage. */
export function longUsage(program: string, command: PveumCommand, operation: Operation): string {
  const { args, options } = shape(command, operation);
  let out = `USAGE: ${shortUsage(program, command, operation)}\n`;
  out += `${wrap(operation.doc.description, '  ', '  ')}\n\n`;
  for (const [name, spec] of args) out += describe(`<${name}>`, spec);
  for (const [name, spec] of options) out += describe(`--${name}`, spec);
  if (command.printer !== 'none')
    out +=
      'Format options: --output-format text|json|json-pretty|yaml, --noborder, --noheader,\n' +
      '--quiet, --human-readable 0|1.\n';
  out +=
    'Where: --store <url> (default: the store serve uses), or --remote https://host:8006\n' +
    'with an API token in $TESSERA_API_TOKEN or the file in --token-file.\n';
  return out;
}
