/**
 * Proxmox's own PVE::CLIFormatter::print_api_result, run by
 * `test/support/api-schema/cli-formatter.pl` on the reference modules, for many cases at once.
 */
import type { ApiValue, ReturnsSchema } from '../../src/cli/format/types.js';
import { runReferencePerl } from './api-schema.js';

export interface FormatterCase {
  readonly data: ApiValue;
  readonly schema?: ReturnsSchema;
  /** Proxmox's option names: `output-format`, `noborder`, `noheader`, `quiet`, `human-readable`. */
  readonly options: Readonly<Record<string, string | number>>;
  readonly terminal: { readonly utf8: boolean; readonly columns?: number };
  readonly columns?: readonly string[];
}

export interface FormatterResult {
  /** The bytes printed. */
  readonly out: Buffer;
  /** The message Perl died with. */
  readonly error?: string;
}

export function referenceFormat(cases: readonly FormatterCase[]): FormatterResult[] {
  const raw = JSON.parse(runReferencePerl('cli-formatter.pl', JSON.stringify(cases))) as {
    out: string;
    error?: string;
  }[];
  return raw.map((r) => ({
    out: Buffer.from(r.out, 'hex'),
    ...(r.error === undefined ? {} : { error: r.error }),
  }));
}
