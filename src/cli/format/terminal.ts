/**
 * What pveum asks its terminal (CLIFormatter's query_terminal_options): the width, only
 * when standard output is a terminal, and whether the locale's character set is UTF-8.
 */
import type { TerminalOptions } from './types.js';

export interface OutputStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** The locale's character set as the C library picks it: LC_ALL, then LC_CTYPE, then LANG. */
export function localeIsUtf8(env: Readonly<Record<string, string | undefined>>): boolean {
  const locale = [env['LC_ALL'], env['LC_CTYPE'], env['LANG']].find(
    (v) => v !== undefined && v !== '',
  );
  return locale !== undefined && /\.utf-?8(@|$)/i.test(locale);
}

export function queryTerminal(
  stream: OutputStream,
  env: Readonly<Record<string, string | undefined>> = process.env,
): TerminalOptions {
  const columns = stream.isTTY === true && stream.columns ? stream.columns : undefined;
  return columns === undefined ? { utf8: localeIsUtf8(env) } : { columns, utf8: localeIsUtf8(env) };
}
