/**
 * How the command line prints: `text` for people, `json`, `json-pretty` and `yaml` for
 * programs, like pveum's `--output-format`. Results pveum also prints go through
 * format/api-result.ts (Proxmox's exact bytes); Tessera's own reports use printJson.
 */
import { invalid } from '../errors.js';
import { codePointLength } from '../model/text.js';
import { OUTPUT_FORMATS, type OutputFormat } from './format/types.js';
import { queryTerminal } from './format/terminal.js';
import type { ApiValue, TerminalOptions } from './format/types.js';
import { yamlDump } from './format/yaml.js';

export { OUTPUT_FORMATS, type OutputFormat };

export function parseOutputFormat(value: string | undefined): OutputFormat {
  if (value === undefined) return 'text';
  if ((OUTPUT_FORMATS as readonly string[]).includes(value)) return value as OutputFormat;
  throw invalid(
    'output-format',
    `value '${value}' does not have a value in the enumeration '${OUTPUT_FORMATS.join(', ')}'`,
  );
}

/** Where a command writes; tests pass their own. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Width and character set of the output; asked of stdout and the locale when absent. */
  readonly terminal?: TerminalOptions;
}

export const processIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

export function terminalOf(io: Io): TerminalOptions {
  return io.terminal ?? queryTerminal(process.stdout);
}

/** Maps and Sets become objects and arrays, so explanations serialise naturally. */
function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Map) return Object.fromEntries(value as Map<string, unknown>);
  if (value instanceof Set) return [...(value as Set<unknown>)];
  return value;
}

/** Tessera's own reports for programs: JSON in the order Tessera builds it, or YAML (as UTF-8). */
export function printJson(io: Io, format: OutputFormat, value: unknown): void {
  if (format === 'yaml') {
    // JSON's own view of the value (Maps, Sets, undefined members), then YAML of that.
    const json = JSON.stringify(value, replacer) as string | undefined;
    io.out(yamlDump(json === undefined ? null : (JSON.parse(json) as ApiValue)));
    return;
  }
  io.out(JSON.stringify(value, replacer, format === 'json-pretty' ? 2 : undefined) + '\n');
}

/** Renders rows as aligned columns; cells never hold control characters. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const clean = (s: string): string => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?'); // eslint-disable-line no-control-regex
  const all = [header, ...rows].map((r) => r.map(clean));
  const widths = header.map((_, i) => Math.max(...all.map((r) => codePointLength(r[i] ?? ''))));
  return (
    all
      .map((r) =>
        r
          .map((cell, i) =>
            i === r.length - 1
              ? cell
              : cell + ' '.repeat(Math.max(0, (widths[i] ?? 0) - codePointLength(cell))),
          )
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}
