/**
 * pveum's print of effective permissions: in text, one row per ACL path with its privileges
 * one a line, sorted, `(*)` marking those that propagate, and a note under the table; in the
 * other formats, the map as the API returns it.
 */
import { formatApiResult } from '../format/api-result.js';
import { compareCodePoints } from '../format/perl-scalar.js';
import type { ApiValue, OutputOptions, TerminalOptions } from '../format/types.js';

const PERMISSION_TABLE = {
  type: 'array',
  items: {
    type: 'object',
    properties: {
      path: { type: 'string', title: 'ACL path' },
      permissions: { type: 'string', title: 'Permissions' },
    },
  },
} as const;

type PermissionMap = Readonly<Record<string, Readonly<Record<string, ApiValue>>>>;

export function permissionTable(
  data: ApiValue,
  output: OutputOptions,
  terminal: TerminalOptions,
): string {
  if ((output.outputFormat ?? 'text') !== 'text')
    return formatApiResult(data, { type: 'object' }, output, terminal);
  const map = (data ?? {}) as PermissionMap;
  const sorted = (o: object): string[] => Object.keys(o).sort(compareCodePoints);
  const rows = sorted(map).map((path) => {
    const privileges = map[path] ?? {};
    const lines = sorted(privileges).map((p) => (privileges[p] ? `${p} (*)` : p));
    return { path, permissions: lines.join('\n') };
  });
  // pveum prints the note even with --quiet.
  return (
    formatApiResult(rows, PERMISSION_TABLE, output, terminal) +
    "Permissions marked with '(*)' have the 'propagate' flag set.\n"
  );
}
