/**
 * The usage of a pveum command, laid out as pveum lays it out (PVE::RESTHandler's
 * getopt_usage): the one-line form printed after a refused command line, and the long help
 * with the method's description, its arguments and its options, sorted by name.
 */
import type { Operation } from '../../api/operation.js';
import type { ParamSpec } from '../../api/params.js';
import type { PveumCommand } from './table.js';
import { textWrap } from './text-wrap.js';
import { commandSchema, SECRET_PARAMS } from './schema.js';

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
  const schema = commandSchema(command, operation);
  const args = command.args.flatMap((name): [string, ParamSpec][] => {
    const spec = schema[name];
    return spec === undefined ? [] : [[name, spec]];
  });
  const options = Object.entries(schema)
    .filter(([name]) => !command.args.includes(name) && !(name in fixed))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { args, options };
}

/** `tessera user add <userid> [OPTIONS]`, as pveum prints it after a refused command line. */
export function shortUsage(program: string, command: PveumCommand, operation: Operation): string {
  const { args, options } = shape(command, operation);
  const parts = args.map(([name, spec]) =>
    spec.list === true ? `{<${name}>}` : spec.optional === true ? `[<${name}>]` : `<${name}>`,
  );
  for (const [name, spec] of options)
    if (spec.optional !== true) parts.push(`--${name} <${spec.type}>`);
  let line = `${program} ${command.words.join(' ')} ${parts.join(' ')}`;
  if (options.length > 0) line += ' [OPTIONS]';
  if (command.printer !== 'none') line += ' [FORMAT_OPTIONS]';
  return `${line}\n`;
}

export const INTERACTIVE_NOTE =
  'Give --password alone: it is read from the terminal (asked twice) or from standard ' +
  'input, never taken as a value on the command line, where ps and the shell history ' +
  'would show it.';

const INDENT = ' '.repeat(13);

/** Tessera's notes after pveum's usage: the output options, then where the command runs. */
const FORMAT_NOTE =
  'Format options: --output-format <text | json | json-pretty | yaml>, --noborder, ' +
  '--noheader, --quiet, --human-readable 0|1.';
const PLACE_NOTE =
  'Where it runs: on the store (--store <url>, by default the one serve uses), or with ' +
  '--remote https://<host>:8006 on a server, with the API token in $TESSERA_API_TOKEN or ' +
  'in the file --token-file or $TESSERA_API_TOKEN_FILE names; --fingerprint pins the ' +
  "server's certificate (its SHA-256 fingerprint).";

function describe(name: string, style: 'arg' | 'option', spec: ParamSpec): string {
  // Secrets show as Proxmox shows its interactive parameters, `--password <password>`, with
  // how they are read instead.
  const interactive = style === 'option' && SECRET_PARAMS.has(name);
  const display = style === 'arg' ? `<${name}>` : `--${name}`;
  const type = interactive ? `<${name}>` : typeText(spec);
  const defaultText = spec.default !== undefined ? `   (default=${String(spec.default)})` : '';
  let description = spec.description ?? 'no description available';
  if (interactive) description += ` ${INTERACTIVE_NOTE}`;
  return (
    textWrap('', INDENT, `  ${display.padEnd(10)} ${type}${defaultText}\n`) +
    `${textWrap(INDENT, INDENT, description)}\n\n`
  );
}

/**
 * `tessera help user add`: pveum's long usage (its `help` command), laid out by the same
 * Text::Wrap rules, then what Tessera adds to every command: the output and place options.
 */
export function longUsage(program: string, command: PveumCommand, operation: Operation): string {
  const { args, options } = shape(command, operation);
  let out = `USAGE: ${shortUsage(program, command, operation)}\n`;
  out += `${textWrap('  ', '  ', command.description ?? operation.doc.description)}\n\n`;
  for (const [name, spec] of args) out += describe(name, 'arg', spec);
  for (const [name, spec] of options) out += describe(name, 'option', spec);
  out += '\n';
  if (command.printer !== 'none') out += `${textWrap('', '  ', FORMAT_NOTE)}\n`;
  out += `${textWrap('', '  ', PLACE_NOTE)}\n`;
  return out;
}
