/**
 * JSON as Perl's JSON module (JSON::XS) writes it with `canonical`: keys in code point
 * order, numbers as Perl prints them; `pretty` indents by three and writes ` : `.
 */
import { perlNumber, presentKeys } from './perl-scalar.js';
import type { ApiValue } from './types.js';

function encode(value: ApiValue, pretty: boolean, depth: number): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return perlNumber(value);
  if (typeof value === 'string') return JSON.stringify(value);
  const inner = '   '.repeat(depth + 1);
  const outer = '   '.repeat(depth);
  if (Array.isArray(value)) {
    const items = (value as readonly ApiValue[]).map((v) => encode(v, pretty, depth + 1));
    if (items.length === 0) return '[]';
    return pretty ? `[\n${inner}${items.join(`,\n${inner}`)}\n${outer}]` : `[${items.join(',')}]`;
  }
  const object = value as Readonly<Record<string, ApiValue>>;
  const members = presentKeys(object).map(
    (k) => JSON.stringify(k) + (pretty ? ' : ' : ':') + encode(object[k], pretty, depth + 1),
  );
  if (members.length === 0) return '{}';
  return pretty ? `{\n${inner}${members.join(`,\n${inner}`)}\n${outer}}` : `{${members.join(',')}}`;
}

/** `to_json($value, {canonical => 1, allow_nonref => 1, pretty => …})`; pretty ends with a newline. */
export function perlJson(value: ApiValue, pretty = false): string {
  return encode(value, pretty, 0) + (pretty ? '\n' : '');
}
