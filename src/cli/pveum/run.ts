/**
 * Runs one pveum command: reads the command line as pveum does (getopt.ts), runs the
 * command's API operation, on the store as the node's administrator (root@pam, audited) or
 * over the API of a remote node, and prints the result as pveum prints it. Errors are
 * pveum's texts (`400 Parameter verification failed.` and the reasons, then the usage); the
 * exit status is 255 for every failure, where pveum's is Perl's errno of the moment.
 */
import type { Operation } from '../../api/operation.js';
import { formatApiResult } from '../format/api-result.js';
import type { ApiValue, OutputOptions } from '../format/types.js';
import { parseOutputFormat, terminalOf, type Io } from '../output.js';
import { readNewPassword } from '../password-input.js';
import { getopt, type GetoptOption } from './getopt.js';
import { operationOf } from './operations.js';
import { permissionTable } from './permission-table.js';
import type { PveumCommand } from './table.js';
import { failureText } from './failure.js';
import { longUsage, shortUsage } from './usage.js';
import { commandSchema, operationParams, SECRET_PARAMS } from './schema.js';

export const PROGRAM = 'tessera';

/**
 * Where the command runs: Tessera's additions to pveum's options, on every command. Not
 * shortened: a prefix of one of them must not read a secret as a file name.
 */
const PLACE_OPTIONS: Readonly<Record<string, GetoptOption>> = {
  store: { flag: false, list: false, exact: true },
  remote: { flag: false, list: false, exact: true },
  'token-file': { flag: false, list: false, exact: true },
  fingerprint: { flag: false, list: false, exact: true },
  help: { flag: true, list: false },
};

/** RESTHandler's standard output options, for the commands that print a result. */
const FORMAT_OPTIONS: Readonly<Record<string, GetoptOption>> = {
  'output-format': { flag: false, list: false },
  noborder: { flag: true, list: false },
  noheader: { flag: true, list: false },
  quiet: { flag: true, list: false },
  'human-readable': { flag: true, list: false },
};

export const EXIT_FAILURE = 255;

export interface PveumInvocation {
  readonly command: PveumCommand;
  /** The words after the command's own, and options given before them. */
  readonly argv: readonly string[];
  readonly io: Io;
}

export async function helpText(command: PveumCommand): Promise<string> {
  return longUsage(PROGRAM, command, await operationOf(command));
}

export async function runPveumCommand({ command, argv, io }: PveumInvocation): Promise<number> {
  const operation = await operationOf(command);
  try {
    const options: Record<string, GetoptOption> = { ...PLACE_OPTIONS };
    if (command.printer !== 'none') Object.assign(options, FORMAT_OPTIONS);
    const schema = commandSchema(command, operation);
    for (const [name, spec] of Object.entries(schema)) {
      if (command.args.includes(name) || (command.fixed && name in command.fixed)) continue;
      options[name] = {
        flag: spec.type === 'boolean',
        list: spec.list === true,
        ...(SECRET_PARAMS.has(name) ? { secret: true } : {}),
      };
    }
    const given = getopt(
      {
        options,
        positional: command.args.map((name) => ({
          name,
          optional: schema[name]?.optional === true,
        })),
      },
      argv,
    );
    if (given['help'] === '1') {
      io.out(longUsage(PROGRAM, command, operation));
      return 0;
    }
    const [place, other] = split(given, PLACE_OPTIONS);
    const [format, parameters] = split(other, FORMAT_OPTIONS);
    const params = operationParams(command, { ...parameters, ...command.fixed });
    for (const name of SECRET_PARAMS)
      if (name in params) params[name] = await readNewPassword(io.err);
    const output = outputOptions(format);
    const data =
      place['remote'] !== undefined
        ? await (
            await import('./remote.js')
          ).runRemote(operation, params, {
            url: place['remote'],
            tokenFile: place['token-file'],
            fingerprint: place['fingerprint'],
          })
        : await (await import('./local.js')).runLocal(operation, params, place['store']);
    print(io, command, operation, data, output);
    return 0;
  } catch (err) {
    io.err(failureText(err, shortUsage(PROGRAM, command, operation)));
    return EXIT_FAILURE;
  }
}

/** Splits the given options into those named in `names` and the rest. */
function split(
  given: Readonly<Record<string, string>>,
  names: Readonly<Record<string, unknown>>,
): [Record<string, string>, Record<string, string>] {
  const taken: Record<string, string> = {};
  const rest: Record<string, string> = {};
  for (const [name, value] of Object.entries(given))
    (Object.hasOwn(names, name) ? taken : rest)[name] = value;
  return [taken, rest];
}

function outputOptions(format: Record<string, string>): OutputOptions {
  const flag = (name: string): boolean | undefined =>
    format[name] === undefined ? undefined : format[name] === '1';
  const options: {
    -readonly [K in keyof OutputOptions]: OutputOptions[K];
  } = {};
  if (format['output-format'] !== undefined)
    options.outputFormat = parseOutputFormat(format['output-format']);
  const noborder = flag('noborder');
  if (noborder !== undefined) options.noborder = noborder;
  const noheader = flag('noheader');
  if (noheader !== undefined) options.noheader = noheader;
  const quiet = flag('quiet');
  if (quiet !== undefined) options.quiet = quiet;
  const humanReadable = flag('human-readable');
  if (humanReadable !== undefined) options.humanReadable = humanReadable;
  return options;
}

function print(
  io: Io,
  command: PveumCommand,
  operation: Operation,
  data: unknown,
  output: OutputOptions,
): void {
  const value = data as ApiValue;
  switch (command.printer) {
    case 'none':
      return;
    case 'result':
      io.out(formatApiResult(value, operation.doc.returns, output, terminalOf(io)));
      return;
    case 'permissions':
      io.out(permissionTable(value, output, terminalOf(io)));
  }
}
