/**
 * pveum's standard output options (RESTHandler's $standard_output_options) on the command
 * line: `--output-format` is an ordinary option; the booleans `--noborder`, `--noheader`,
 * `--quiet` and `--human-readable` stand alone (meaning 1) or take a following 0/1, yes/no,
 * on/off or true/false, as Proxmox's option parser accepts them.
 */
import { invalid } from '../errors.js';
import type { OutputOptions } from './format/types.js';

const FLAGS = {
  noborder: 'noborder',
  noheader: 'noheader',
  quiet: 'quiet',
  'human-readable': 'humanReadable',
} as const satisfies Record<string, keyof OutputOptions>;

const TRUE = /^(?:1|on|yes|true)$/i;
const FALSE = /^(?:0|off|no|false)$/i;

export interface ExtractedOutputOptions {
  /** The arguments without the boolean output options and their values. */
  readonly argv: readonly string[];
  readonly options: Omit<OutputOptions, 'outputFormat'>;
}

/**
 * Takes the boolean output options out of argv. Unlike Proxmox's parser, a following word
 * that is no boolean stays an argument, because Tessera also takes options before the
 * command words (`tessera --noheader user list`).
 */
export function extractOutputOptions(argv: readonly string[]): ExtractedOutputOptions {
  const rest: string[] = [];
  const options: { -readonly [K in keyof OutputOptions]?: boolean } = {};
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] ?? '';
    if (word === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    const match = /^--?([a-z-]+)(?:=(.*))?$/.exec(word);
    const name = match?.[1];
    if (name === undefined || !Object.hasOwn(FLAGS, name)) {
      rest.push(word);
      continue;
    }
    const key = FLAGS[name as keyof typeof FLAGS];
    const inline = match?.[2];
    const next = argv[i + 1];
    if (inline !== undefined) options[key] = parseBoolean(name, inline);
    else if (next !== undefined && (TRUE.test(next) || FALSE.test(next))) {
      options[key] = TRUE.test(next);
      i++;
    } else options[key] = true;
  }
  return { argv: rest, options };
}

function parseBoolean(name: string, value: string): boolean {
  if (TRUE.test(value)) return true;
  if (FALSE.test(value)) return false;
  throw invalid(name, `type check ('boolean') failed - got '${value}'`);
}
