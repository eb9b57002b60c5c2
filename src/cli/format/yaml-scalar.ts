/**
 * libyaml's analysis of a scalar (which styles can hold it), as YAML::XS relies on it.
 * Characters are code points; libyaml's "printable" excludes tabs, most controls and every
 * character outside the Basic Multilingual Plane.
 */

export function isPrintable(cp: number): boolean {
  return (
    cp === 0x0a ||
    (cp >= 0x20 && cp <= 0x7e) ||
    (cp >= 0xa0 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd && cp !== 0xfeff)
  );
}

export function isBreak(ch: string | undefined): boolean {
  return ch === '\r' || ch === '\n' || ch === '\u0085' || ch === '\u2028' || ch === '\u2029';
}

/** libyaml's IS_BLANKZ: a blank, a line break or the end of the string. */
function isBlankOrEnd(ch: string | undefined): boolean {
  return ch === undefined || ch === ' ' || ch === '\t' || ch === '\0' || isBreak(ch);
}

export interface ScalarAnalysis {
  readonly multiline: boolean;
  readonly flowPlainAllowed: boolean;
  readonly blockPlainAllowed: boolean;
  readonly singleQuotedAllowed: boolean;
  readonly blockAllowed: boolean;
}

const FIRST_INDICATORS = new Set('#,[]{}&*!|>\'"%@`');
const FLOW_INDICATORS = new Set(',?[]{}');

export function analyzeScalar(chars: readonly string[]): ScalarAnalysis {
  if (chars.length === 0) {
    return {
      multiline: false,
      flowPlainAllowed: false,
      blockPlainAllowed: true,
      singleQuotedAllowed: true,
      blockAllowed: false,
    };
  }
  let flowIndicators = false;
  let blockIndicators = false;
  const head = chars.slice(0, 3).join('');
  if (head === '---' || head === '...') flowIndicators = blockIndicators = true;
  let special = false;
  let lineBreaks = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let previousSpace = false;
  let previousBreak = false;
  let precededByWhitespace = true;
  let followedByWhitespace = isBlankOrEnd(chars[1]);
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] ?? '';
    const first = i === 0;
    const last = i === chars.length - 1;
    if (first) {
      if (FIRST_INDICATORS.has(ch)) flowIndicators = blockIndicators = true;
      if (ch === '?' || ch === ':') {
        flowIndicators = true;
        if (followedByWhitespace) blockIndicators = true;
      }
      if (ch === '-' && followedByWhitespace) flowIndicators = blockIndicators = true;
    } else {
      if (FLOW_INDICATORS.has(ch)) flowIndicators = true;
      if (ch === ':') {
        flowIndicators = true;
        if (followedByWhitespace) blockIndicators = true;
      }
      if (ch === '#' && precededByWhitespace) flowIndicators = blockIndicators = true;
    }
    if (!isPrintable(ch.codePointAt(0) ?? 0)) special = true;
    if (isBreak(ch)) lineBreaks = true;
    if (ch === ' ') {
      if (first) leadingSpace = true;
      if (last) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak(ch)) {
      if (first) leadingBreak = true;
      if (last) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousBreak = true;
      previousSpace = false;
    } else {
      previousSpace = previousBreak = false;
    }
    precededByWhitespace = isBlankOrEnd(ch);
    if (!last) followedByWhitespace = isBlankOrEnd(chars[i + 2]);
  }
  let flowPlain = true;
  let blockPlain = true;
  let singleQuoted = true;
  let block = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak)
    flowPlain = blockPlain = false;
  if (trailingSpace) block = false;
  if (breakSpace) flowPlain = blockPlain = singleQuoted = false;
  if (spaceBreak || special) flowPlain = blockPlain = singleQuoted = block = false;
  if (lineBreaks) flowPlain = blockPlain = false;
  if (flowIndicators) flowPlain = false;
  if (blockIndicators) blockPlain = false;
  return {
    multiline: lineBreaks,
    flowPlainAllowed: flowPlain,
    blockPlainAllowed: blockPlain,
    singleQuotedAllowed: singleQuoted,
    blockAllowed: block,
  };
}
