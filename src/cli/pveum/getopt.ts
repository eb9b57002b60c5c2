/**
 * pveum's way of reading a command line (PVE::JSONSchema::get_options over Getopt::Long):
 * options may come anywhere, with `--` or `-`, as `--name value` or `--name=value`, their
 * names in any case and shortened to any unambiguous prefix; a boolean's value is optional
 * (`--enable` is 1); list parameters may repeat (`--groups a --groups b` is `a,b`); the
 * remaining words fill the positional parameters in order. Messages are pveum's.
 */
import { TesseraError } from '../../errors.js';

export interface GetoptOption {
  /** A boolean: its value is optional. */
  readonly flag: boolean;
  /** A list (Proxmox's `-list` formats): repeated values are joined with commas. */
  readonly list: boolean;
  /**
   * Only its full name, never a prefix: `--token <secret>` must not become `--token-file`,
   * which would read the secret as a file name and print it in the error.
   */
  readonly exact?: boolean;
  /**
   * A secret (a password): its value is read from the terminal or standard input, never
   * taken from the command line, where `ps` and the shell history show it. Given alone, it
   * stands for `1`; given a value, the command is refused without repeating the value.
   */
  readonly secret?: boolean;
}

export interface GetoptSpec {
  readonly options: Readonly<Record<string, GetoptOption>>;
  /** The parameters positional words fill, in order, and whether each may be left out. */
  readonly positional: readonly { readonly name: string; readonly optional: boolean }[];
}

/** A command line pveum refuses before its method runs: 400 and the command's usage. */
export class UsageError extends TesseraError {
  constructor(
    message: string,
    /** Getopt::Long's own warning, printed before the message. */
    readonly warning?: string,
  ) {
    super('usage', message, { publicMessage: message });
  }
}

const TRUE = /^(?:1|on|yes|true)$/i;
const FALSE = /^(?:0|off|no|false)$/i;

/** Proxmox's parse_boolean: `undefined` when the text is no boolean. */
export function pveBoolean(text: string): boolean | undefined {
  return TRUE.test(text) ? true : FALSE.test(text) ? false : undefined;
}

function resolveName(
  typed: string,
  options: Readonly<Record<string, GetoptOption>>,
): { name?: string; warning?: string } {
  const names = Object.keys(options);
  const lower = typed.toLowerCase();
  const exact = names.find((n) => n.toLowerCase() === lower);
  if (exact !== undefined) return { name: exact };
  const candidates = names
    .filter((n) => options[n]?.exact !== true && n.toLowerCase().startsWith(lower))
    .sort();
  const [only] = candidates;
  if (only !== undefined && candidates.length === 1) return { name: only };
  if (candidates.length > 1)
    return { warning: `Option ${typed} is ambiguous (${candidates.join(', ')})\n` };
  return { warning: `Unknown option: ${typed}\n` };
}

/**
 * The parameters a command line gives, as text (booleans as `1`/`0`): the method's schema
 * checks them afterwards, as Proxmox's does.
 */
export function getopt(spec: GetoptSpec, argv: readonly string[]): Record<string, string> {
  const values: Record<string, string[]> = {};
  const words: string[] = [];
  const refuse = (warning: string): never => {
    throw new UsageError('unable to parse option\n', warning);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      words.push(...argv.slice(i + 1));
      break;
    }
    const match = /^--?([^=]+)(?:=([\s\S]*))?$/.exec(arg);
    if (!match || arg === '-' || /^-\d/.test(arg)) {
      words.push(arg);
      continue;
    }
    const typed = match[1] ?? '';
    const { name, warning } = resolveName(typed, spec.options);
    if (name === undefined) return refuse(warning ?? '');
    const option = spec.options[name];
    if (option === undefined) return refuse(`Unknown option: ${typed}\n`);
    let value = match[2];
    if (value === undefined) {
      const next = argv[i + 1];
      if (option.flag || option.secret === true) {
        // An optional value is taken only when the next word does not look like an option.
        if (next !== undefined && !(next.startsWith('-') && next !== '-')) {
          value = next;
          i++;
        } else value = '';
      } else {
        if (next === undefined) return refuse(`Option ${typed} requires an argument\n`);
        value = next;
        i++;
      }
    }
    const list = (values[name] ??= []);
    if (option.list) list.push(value);
    else list.splice(0, list.length, value);
  }

  const out: Record<string, string> = {};
  for (const [name, given] of Object.entries(values)) {
    const option = spec.options[name];
    if (option === undefined) continue;
    if (option.secret === true) {
      if (given.some((text) => text !== ''))
        throw new UsageError(
          `${name}: not taken from the command line, where ps and the shell history show it; ` +
            `give --${name} alone and type it, or pipe it on standard input\n`,
        );
      out[name] = '1';
    } else if (option.flag) {
      const text = given[0] ?? '';
      if (text === '') out[name] = '1';
      else {
        const flag = pveBoolean(text);
        if (flag === undefined) throw new UsageError('unable to parse boolean option\n');
        out[name] = flag ? '1' : '0';
      }
    } else out[name] = given.join(',');
  }

  for (const { name, optional } of spec.positional) {
    const word = words.shift();
    if (word === undefined) {
      if (!optional) throw new UsageError('not enough arguments\n');
      continue;
    }
    out[name] = word;
  }
  if (words.length > 0) throw new UsageError('too many arguments\n');
  return out;
}
