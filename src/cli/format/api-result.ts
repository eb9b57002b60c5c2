/**
 * PVE::CLIFormatter's print_api_result: what pveum prints for a method's result, given
 * the method's `returns` schema and the standard output options. Returns the exact text
 * (the caller writes it as UTF-8); the empty string when nothing is printed.
 */
import { perlJson } from './json.js';
import { cellText } from './cell-text.js';
import { compareCodePoints, perlString, presentKeys, strictUtf8 } from './perl-scalar.js';
import { textTable } from './text-table.js';
import type { ApiValue, OutputOptions, ReturnsSchema, TerminalOptions } from './types.js';
import { pveumYaml } from './yaml.js';

type Row = Readonly<Record<string, ApiValue>>;

const isRow = (v: ApiValue): v is Row => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Schema properties as Proxmox lists them by default: required ones sorted, then optional ones sorted. */
export function defaultColumns(
  properties: Readonly<Record<string, ReturnsSchema>> | undefined,
): string[] {
  const entries = Object.entries(properties ?? {});
  const names = (optional: boolean): string[] =>
    entries
      .filter(([, p]) => Boolean(p.optional) === optional)
      .map(([k]) => k)
      .sort(compareCodePoints);
  return [...names(false), ...names(true)];
}

function guessType(value: ApiValue): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'array';
  return isRow(value) ? 'object' : 'string';
}

function apiList(
  data: readonly ApiValue[],
  schema: ReturnsSchema,
  columns: readonly string[] | undefined,
  options: OutputOptions,
  terminal: TerminalOptions,
): string {
  if (!(schema.type === 'array' && schema.items?.type === 'object'))
    throw new Error('can only print object lists');
  const rows = data.map((row) => {
    if (!isRow(row)) throw new Error('can only print object lists');
    return row;
  });
  const properties = schema.items.properties;
  let chosen = columns ?? defaultColumns(properties);
  if (chosen.length === 0) {
    const all = new Set<string>();
    for (const row of rows) for (const k of presentKeys(row)) all.add(k);
    chosen = [...all].sort(compareCodePoints);
  }
  if (chosen.length === 0) throw new Error('unable to detect list properties');
  return textTable(rows, properties, chosen, options, terminal);
}

function textResult(
  data: ApiValue,
  schema: ReturnsSchema,
  columns: readonly string[] | undefined,
  options: OutputOptions,
  terminal: TerminalOptions,
): string {
  const listOf = { type: 'array', items: { type: 'object' } } as const;
  if (schema.type === 'object') {
    if (!isRow(data)) throw new Error('got no object, but result schema specified object!');
    let keys = columns ?? defaultColumns(schema.properties);
    if (keys.length === 0) keys = presentKeys(data);
    const pairs = keys
      .filter((key) => data[key] !== null && data[key] !== undefined)
      .map((key) => ({ key, value: cellText(data[key], schema.properties?.[key], options) }));
    return apiList(pairs, listOf, ['key', 'value'], options, terminal);
  }
  if (schema.type === 'array') {
    if (isRow(data)) {
      if (presentKeys(data).length === 0) return '';
      throw new Error('got hash object, but result schema specified array!');
    }
    if (!Array.isArray(data)) throw new Error('got no array, but result schema specified array!');
    const items = data as readonly ApiValue[];
    if (items.length === 0) return '';
    if (schema.items?.type === 'object') return apiList(items, schema, columns, options, terminal);
    const values = items.map((value) => ({ value }));
    const valueSchema = {
      type: 'array',
      items: { type: 'object', properties: { value: schema.items ?? {} } },
    };
    return apiList(values, valueSchema, ['value'], { ...options, noheader: true }, terminal);
  }
  if (data === null || data === undefined) return '\n';
  return strictUtf8(typeof data === 'object' ? perlJson(data) : perlString(data)) + '\n';
}

/**
 * The exact output of `print_api_result(data, schema, columns, options)`. `columns` is
 * props_to_print (the schema's properties when unset); `terminal` is what pveum would learn
 * from its terminal (see docs/cli-output.md).
 */
export function formatApiResult(
  data: ApiValue,
  schema: ReturnsSchema | undefined,
  options: OutputOptions,
  terminal: TerminalOptions,
  columns?: readonly string[],
): string {
  if (options.quiet) return '';
  let effective: ReturnsSchema;
  if (schema?.type !== undefined) {
    if (schema.type === 'null') return '';
    if (schema.optional && (data === null || data === undefined)) return '';
    effective = schema;
  } else {
    const type = guessType(data);
    const first = Array.isArray(data) ? (data as readonly ApiValue[])[0] : undefined;
    effective = type === 'array' ? { type, items: { type: guessType(first) } } : { type };
  }
  switch (options.outputFormat ?? 'text') {
    case 'yaml':
      return pveumYaml(data);
    case 'json':
      return perlJson(data) + '\n';
    case 'json-pretty':
      return perlJson(data, true);
    case 'text':
      return textResult(data, effective, columns, options, terminal);
  }
}
