/**
 * Perl's Text::Wrap as pveum's help uses it (76 columns, tab stops every 8, `unexpand` on):
 * lines hold at most 75 characters, break at a white-space character (which is dropped),
 * a word longer than a line is cut, and on every line a run of two or more spaces that
 * ends on a tab stop becomes a tab. pveum's help is laid out by it, so Tessera's help is
 * too: the same columns, and the same tabs that scripts comparing help texts see.
 */
import { codePointLength } from '../../model/text.js';

const COLUMNS = 76;
const TAB_STOP = 8;

/** Perl counts characters, that is code points. */
function length(text: string): number {
  return codePointLength(text);
}

/** Text::Tabs::unexpand of one line without tabs. */
export function unexpand(line: string): string {
  const chars = Array.from(line);
  let out = '';
  let at = 0;
  for (; at + TAB_STOP <= chars.length; at += TAB_STOP)
    out += chars
      .slice(at, at + TAB_STOP)
      .join('')
      .replace(/ {2,}$/, '\t');
  return out + chars.slice(at).join('');
}

/** Expands tabs to the next tab stop, as a terminal shows them. */
export function expandTabs(line: string): string {
  let out = '';
  for (const char of line) {
    if (char === '\t') out += ' '.repeat(TAB_STOP - (length(out) % TAB_STOP));
    else out += char;
  }
  return out;
}

/**
 * Text::Wrap::wrap(first, rest, text): `first` leads the first line, `rest` the others. The
 * text has no tabs (descriptions and type texts are plain).
 */
export function textWrap(first: string, rest: string, text: string): string {
  const restLength = Math.max(1, COLUMNS - length(rest) - 1);
  let lineLength = Math.max(0, COLUMNS - length(first) - 1);
  let lead = first;
  let separator = '';
  let remainder = '';
  let out = '';
  let pos = 0;
  while (!/^\s*$/.test(text.slice(pos))) {
    const fitting = new RegExp(
      `((?:(?!\\n)\\P{M}\\p{M}*){0,${String(lineLength)}})(\\r\\n|\\s|$)`,
      'uy',
    );
    fitting.lastIndex = pos;
    const fit = fitting.exec(text);
    if (fit !== null) {
      out += separator + unexpand(lead + (fit[1] ?? ''));
      remainder = fit[2] ?? '';
      pos = fitting.lastIndex;
    } else {
      const cutting = new RegExp(`(?:(?!\\n)\\P{M}\\p{M}*){${String(lineLength)}}`, 'uy');
      cutting.lastIndex = pos;
      const cut = cutting.exec(text);
      out += separator + unexpand(lead + (cut?.[0] ?? ''));
      remainder = '\n';
      pos = cut === null ? text.length : cutting.lastIndex;
    }
    lead = rest;
    lineLength = restLength;
    separator = '\n';
  }
  out += remainder;
  if (pos < text.length) out += lead + text.slice(pos);
  return out;
}
