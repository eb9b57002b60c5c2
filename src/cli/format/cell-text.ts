/** PVE::CLIFormatter's data_to_text: how one value becomes the text of a table cell. */
import { perlJson } from './json.js';
import { perlString, perlTruthy } from './perl-scalar.js';
import { renderer } from './renderers.js';
import type { ApiValue, OutputOptions, ReturnsSchema } from './types.js';

export function cellText(
  value: ApiValue,
  property: ReturnsSchema | undefined,
  options: OutputOptions,
): string {
  if (value === null || value === undefined) return '';
  if ((options.humanReadable ?? true) && property !== undefined) {
    if (property.type === 'boolean') return perlTruthy(value) ? '1' : '0';
    if (property.renderer !== undefined) return renderer(property.renderer)(value);
  }
  if (typeof value === 'object' || typeof value === 'boolean') return perlJson(value);
  return perlString(value);
}
