/**
 * PVE::CLIFormatter's print_text_table: rows sorted by the first column, columns as wide
 * as their longest line (or the schema's print_width/maxLength), numbers right-aligned,
 * box-drawing borders on a UTF-8 terminal and ASCII ones otherwise. Widths count code points.
 */
import { cellText } from './cell-text.js';
import {
  codePoints,
  compareCodePoints,
  perlNumify,
  perlString,
  strictUtf8,
} from './perl-scalar.js';
import type { ApiValue, OutputOptions, ReturnsSchema, TerminalOptions } from './types.js';

export interface TableOptions extends OutputOptions {
  /** The column rows are sorted by; the first printed one when unset, no sorting when false. */
  readonly sortKey?: string | false;
}

type Row = Readonly<Record<string, ApiValue>>;

/** Perl's split(/\n/): trailing empty fields are dropped. */
function splitLines(text: string): string[] {
  const lines = text.split('\n');
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

const cpLength = (s: string): number => codePoints(s).length;
const cpPrefix = (s: string, n: number): string => codePoints(s).slice(0, n).join('');

function isNumeric(property: ReturnsSchema | undefined): boolean {
  return property?.type === 'integer' || property?.type === 'number';
}

function sortRows(rows: readonly Row[], key: string, property: ReturnsSchema | undefined): Row[] {
  const numeric = isNumeric(property);
  // Perl compares references by their address text; only the prefix is predictable.
  const text = (v: ApiValue): string =>
    v === null || v === undefined
      ? ''
      : typeof v !== 'object'
        ? perlString(v)
        : Array.isArray(v)
          ? 'ARRAY(0x'
          : 'HASH(0x';
  return [...rows].sort((a, b) => {
    const x = a[key];
    const y = b[key];
    const xu = x === null || x === undefined;
    const yu = y === null || y === undefined;
    if (xu || yu) return xu && yu ? 0 : xu ? -1 : 1;
    if (numeric) {
      const d = perlNumify(x) - perlNumify(y);
      return d < 0 ? -1 : d > 0 ? 1 : 0;
    }
    return compareCodePoints(text(x), text(y));
  });
}

interface Borders {
  t: string;
  h: string;
  m: string;
  b: string;
}

/** The border pieces of column i of n: [left, fill, right-end] for each border line. */
function borderPieces(
  i: number,
  n: number,
  utf8: boolean,
): Record<keyof Borders, [string, string, string]> {
  const first = i === 0;
  const last = i === n - 1;
  if (utf8) {
    const end = (c: string): string => (last ? c : '');
    return {
      t: [first ? '┌─' : '┬─', '─', '─' + end('┐')],
      h: [first ? '╞═' : '╪═', '═', '═' + end('╡')],
      m: [first ? '├─' : '┼─', '─', '─' + end('┤')],
      b: [first ? '└─' : '┴─', '─', '─' + end('┘')],
    };
  }
  // Proxmox's ASCII header line has no closing '+' when there is a single column.
  return {
    t: ['', '', ''],
    h: ['+=', '=', last && !first ? '=+' : '='],
    m: ['+-', '-', last ? '-+' : '-'],
    b: ['', '', ''],
  };
}

export function textTable(
  data: readonly Row[],
  properties: Readonly<Record<string, ReturnsSchema>> | undefined,
  columns: readonly string[],
  options: TableOptions,
  terminal: TerminalOptions,
): string {
  const showBorder = !options.noborder;
  const showHeader = !options.noheader;
  // Proxmox tests the sort key with `ne 0`, so a first column named "0" leaves rows unsorted.
  const first = columns[0] === '0' ? false : columns[0];
  const sortKey = options.sortKey ?? first;
  const prop = (name: string): ReturnsSchema | undefined =>
    properties !== undefined && Object.hasOwn(properties, name) ? properties[name] : undefined;
  const rows =
    sortKey === false || sortKey === undefined ? [...data] : sortRows(data, sortKey, prop(sortKey));

  const cells = rows.map((row) => {
    const lines = columns.map((c) => splitLines(cellText(row[c], prop(c) ?? {}, options)));
    return { lines, height: Math.max(1, ...lines.map((l) => l.length)) };
  });

  const border: Borders = { t: '', h: '', m: '', b: '' };
  const format: ((cell: string) => string)[] = [];
  const titles: string[] = [];
  const cutoffs: number[] = [];
  columns.forEach((c, i) => {
    const p = prop(c) ?? {};
    const title = p.title ?? c;
    titles.push(title);
    let longest = cpLength(title);
    for (const row of cells)
      for (const line of row.lines[i] ?? []) longest = Math.max(longest, cpLength(line));
    const limit = p.print_width ?? p.maxLength;
    const cutoff = limit === undefined || limit > longest ? longest : limit;
    cutoffs.push(cutoff);
    const right = isNumeric(p);
    const padTo = (cell: string): string => {
      const fill = ' '.repeat(Math.max(0, cutoff - cpLength(cell)));
      return right ? fill + cell : cell + fill;
    };
    if (showBorder) {
      const bar = terminal.utf8 ? '│' : '|';
      const last = i === columns.length - 1;
      format.push((cell) => `${bar} ${padTo(cell)} ${last ? bar : ''}`);
      const pieces = borderPieces(i, columns.length, terminal.utf8);
      for (const k of ['t', 'h', 'm', 'b'] as const) {
        const [left, fill, end] = pieces[k];
        if (left !== '') border[k] += left + fill.repeat(cutoff) + end;
      }
    } else {
      format.push(i === columns.length - 1 ? (cell) => cell : (cell) => padTo(cell) + ' ');
    }
  });
  if (border.t === '') border.t = border.m;
  if (border.b === '') border.b = border.m;

  const lines: string[] = [];
  const line = (cellsOfLine: readonly string[]): string =>
    cellsOfLine.map((cell, i) => (format[i] ?? String)(cell)).join('');
  if (showBorder) lines.push(border.t);
  let separator = border.m;
  if (showHeader) {
    lines.push(line(titles));
    separator = border.h;
  }
  cells.forEach((row, r) => {
    if (showBorder && (r !== 0 || showHeader)) {
      lines.push(separator);
      separator = border.m;
    }
    for (let k = 0; k < row.height; k++) {
      lines.push(line(columns.map((_, i) => cpPrefix(row.lines[i]?.[k] ?? '', cutoffs[i] ?? 0))));
    }
  });
  if (showBorder) lines.push(border.b);
  return lines.map((l) => writeLine(l, terminal)).join('');
}

/** pveum cuts lines to the terminal's width and encodes them in its character set. */
function writeLine(text: string, terminal: TerminalOptions): string {
  const cut = terminal.columns ? cpPrefix(text, terminal.columns) : text;
  return (terminal.utf8 ? strictUtf8(cut) : cut.replace(/[^\x00-\x7f]/gu, '?')) + '\n'; // eslint-disable-line no-control-regex
}
