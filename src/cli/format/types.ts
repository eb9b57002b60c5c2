/**
 * The shapes the output formatter works on: a method's `returns` schema as Proxmox's API
 * dump gives it, and pveum's standard output options.
 */

/** A value as the API returns it: booleans stand for JSON::PP::Boolean, null/undefined for undef. */
export type ApiValue =
  | null
  | undefined
  | boolean
  | number
  | string
  | readonly ApiValue[]
  | { readonly [key: string]: ApiValue };

/** The part of a method's `returns` schema that printing reads. */
export type { ReturnsSchema } from '../../api/operation.js';

export const OUTPUT_FORMATS = ['text', 'json', 'json-pretty', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** RESTHandler's $standard_output_options, as given on the command line. */
export interface OutputOptions {
  readonly outputFormat?: OutputFormat;
  readonly noborder?: boolean;
  readonly noheader?: boolean;
  readonly quiet?: boolean;
  /** Unset means on, as in Proxmox (default 1). */
  readonly humanReadable?: boolean;
}

/** What pveum learns from the terminal: its width and whether it speaks UTF-8. */
export interface TerminalOptions {
  /** Lines are cut to this many characters when set (only when stdout is a terminal). */
  readonly columns?: number;
  /** Box-drawing borders and UTF-8 output; otherwise ASCII borders and `?` for other characters. */
  readonly utf8: boolean;
}
