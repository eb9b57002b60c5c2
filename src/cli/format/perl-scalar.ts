/**
 * Perl's view of scalars where it shows in output: how numbers print, what is true, how
 * strings compare and count (by code point, not UTF-16 unit).
 */
import { formatG } from './printf.js';

/**
 * Perl's stringification of a number decoded from JSON: integers (which Perl holds as
 * IVs) in full, other numbers as `%.15g`.
 */
export function perlNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 2 ** 63) return BigInt(n).toString();
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'Inf' : '-Inf';
  return formatG(n, 15);
}

/** `"$value"` for a non-reference; booleans are JSON::PP::Boolean, which prints 1 or 0. */
export function perlString(value: string | number | boolean): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? '1' : '0';
  return perlNumber(value);
}

export function perlTruthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false) return false;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string') return value !== '' && value !== '0';
  return true;
}

const NUMBER_PREFIX = /^[ \t\n\r\f\v]*([+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?))/;

/** Perl's numification of a scalar (`<=>`): the leading number of a string, else 0. */
export function perlNumify(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value !== 'string') return 0;
  const special = /^[ \t\n\r\f\v]*([+-]?)(inf|nan)/i.exec(value);
  if (special) {
    const magnitude = special[2]?.toLowerCase() === 'nan' ? NaN : Infinity;
    return special[1] === '-' ? -magnitude : magnitude;
  }
  const m = NUMBER_PREFIX.exec(value);
  return m?.[1] === undefined ? 0 : Number(m[1]);
}

const LOOKS_LIKE_NUMBER =
  /^[ \t\n\r\f\v]*[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan)[ \t\n\r\f\v]*$/i;

/** Perl's looks_like_number for a string. */
export function looksLikeNumber(s: string): boolean {
  return LOOKS_LIKE_NUMBER.test(s);
}

/** Perl's `cmp` without `use locale`: by code point. */
/** A string's characters as Perl counts them: code points, not UTF-16 units. */
export function codePoints(text: string): string[] {
  return Array.from(text);
}

export function codePointOf(ch: string): number {
  return ch.codePointAt(0) ?? 0;
}

export function compareCodePoints(a: string, b: string): number {
  const x = codePoints(a).map(codePointOf);
  const y = codePoints(b).map(codePointOf);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
}

export function sortedKeys(object: object): string[] {
  return Object.keys(object).sort(compareCodePoints);
}

/** Keys in code point order; a property set to undefined counts as absent. */
export function presentKeys(object: Readonly<Record<string, unknown>>): string[] {
  return sortedKeys(object).filter((k) => object[k] !== undefined);
}

/** Encode's strict `UTF-8` writes U+FFFD for noncharacters (U+FDD0-FDEF, U+xFFFE, U+xFFFF). */
export function strictUtf8(text: string): string {
  return text.replace(
    /[\uFDD0-\uFDEF]|[\uFFFE\uFFFF]|[\uD83F\uD87F\uD8BF\uD8FF\uD93F\uD97F\uD9BF\uD9FF\uDA3F\uDA7F\uDABF\uDAFF\uDB3F\uDB7F\uDBBF\uDBFF][\uDFFE\uDFFF]/g,
    '\uFFFD',
  );
}
