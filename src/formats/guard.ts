/**
 * The writers' last line of defence: a value that reaches a writer has been validated at
 * the model boundary, but if one ever held a line break (or a `:` where the line format
 * splits on it), writing it would forge entries. The writers refuse instead.
 */
import { invalid } from '../errors.js';
import { show } from '../model/ids.js';
import { hasControlCharacter } from '../model/text.js';

export function assertWritable(
  value: string,
  field: string,
  options: { colon?: boolean; space?: boolean } = {},
): string {
  if (hasControlCharacter(value))
    throw invalid(field, `value '${show(value)}' contains control characters`);
  if (options.colon === false && value.includes(':'))
    throw invalid(field, `value '${show(value)}' must not contain ':'`);
  if (options.space === false && /\s/.test(value))
    throw invalid(field, `value '${show(value)}' must not contain whitespace`);
  return value;
}
