/**
 * YAML as YAML::XS's Dump writes it (libyaml's emitter, keys sorted, JSON::PP booleans as
 * true/false): the styles YAML::XS asks for, downgraded as libyaml's analysis requires,
 * folded at 80 columns, with the `---` document marker.
 */
import {
  codePointOf,
  codePoints,
  looksLikeNumber,
  perlNumber,
  presentKeys,
} from './perl-scalar.js';
import type { ApiValue } from './types.js';
import { analyzeScalar, isBreak, isPrintable } from './yaml-scalar.js';

type Style = 'plain' | 'single' | 'double' | 'literal';

const BEST_WIDTH = 80;
const BEST_INDENT = 2;
const ESCAPES: Readonly<Record<number, string>> = {
  0x00: '0',
  0x07: 'a',
  0x08: 'b',
  0x09: 't',
  0x0a: 'n',
  0x0b: 'v',
  0x0c: 'f',
  0x0d: 'r',
  0x1b: 'e',
  0x22: '"',
  0x5c: '\\',
  0x85: 'N',
  0xa0: '_',
  0x2028: 'L',
  0x2029: 'P',
};

interface Context {
  readonly root: boolean;
  readonly mapping: boolean;
  readonly simpleKey: boolean;
}

class Emitter {
  out = '';
  private column = 0;
  private whitespace = true;
  private indention = true;
  private indent = -1;
  private openEnded = 0;

  private put(text: string): void {
    this.out += text;
    this.column += codePoints(text).length;
  }

  private putBreak(): void {
    this.out += '\n';
    this.column = 0;
  }

  private writeBreak(ch: string): void {
    if (ch === '\n') this.putBreak();
    else {
      this.out += ch;
      this.column = 0;
    }
  }

  private writeIndent(): void {
    const indent = Math.max(this.indent, 0);
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) {
      this.putBreak();
    }
    while (this.column < indent) this.put(' ');
    this.whitespace = true;
    this.indention = true;
  }

  private indicator(
    text: string,
    needWhitespace: boolean,
    isWhitespace: boolean,
    isIndention: boolean,
  ): void {
    if (needWhitespace && !this.whitespace) this.put(' ');
    this.put(text);
    this.whitespace = isWhitespace;
    this.indention = this.indention && isIndention;
    this.openEnded = 0;
  }

  private increaseIndent(flow: boolean, indentless: boolean): void {
    if (this.indent < 0) this.indent = flow ? BEST_INDENT : 0;
    else if (!indentless) this.indent += BEST_INDENT;
  }

  document(value: ApiValue): string {
    this.indicator('---', true, false, false);
    this.node(value, { root: true, mapping: false, simpleKey: false });
    this.writeIndent();
    if (this.openEnded === 2) {
      this.indicator('...', true, false, false);
      this.writeIndent();
    }
    return this.out;
  }

  private node(value: ApiValue, ctx: Context): void {
    if (Array.isArray(value)) this.sequence(value as readonly ApiValue[], ctx);
    else if (value !== null && typeof value === 'object') {
      this.mapping(value as Readonly<Record<string, ApiValue>>, ctx);
    } else this.scalar(value, ctx);
  }

  private sequence(items: readonly ApiValue[], ctx: Context): void {
    const saved = this.indent;
    if (items.length === 0 || ctx.simpleKey) {
      this.flowEmpty('[', ']', saved);
      return;
    }
    this.increaseIndent(false, ctx.mapping && !this.indention);
    for (const item of items) {
      this.writeIndent();
      this.indicator('-', true, false, true);
      this.node(item, { root: false, mapping: false, simpleKey: false });
    }
    this.indent = saved;
  }

  private flowEmpty(open: string, close: string, saved: number): void {
    this.indicator(open, true, true, false);
    this.increaseIndent(true, false);
    this.indent = saved;
    this.indicator(close, false, false, false);
  }

  private mapping(object: Readonly<Record<string, ApiValue>>, ctx: Context): void {
    const saved = this.indent;
    const keys = presentKeys(object);
    if (keys.length === 0 || ctx.simpleKey) {
      this.flowEmpty('{', '}', saved);
      return;
    }
    this.increaseIndent(false, false);
    const valueCtx = { root: false, mapping: true, simpleKey: false };
    for (const key of keys) {
      this.writeIndent();
      if (isSimpleKey(key)) {
        this.scalar(key, { root: false, mapping: true, simpleKey: true });
        this.indicator(':', false, false, false);
      } else {
        this.indicator('?', true, false, true);
        this.scalar(key, valueCtx);
        this.writeIndent();
        this.indicator(':', true, false, true);
      }
      this.node(object[key], valueCtx);
    }
    this.indent = saved;
  }

  private scalar(value: null | undefined | boolean | number | string, ctx: Context): void {
    const [text, requested] = scalarRequest(value);
    const chars = codePoints(text);
    const analysis = analyzeScalar(chars);
    let style = requested;
    if (ctx.simpleKey && analysis.multiline) style = 'double';
    if (style === 'plain') {
      if (!analysis.blockPlainAllowed) style = 'single';
      if (chars.length === 0 && ctx.simpleKey) style = 'single';
    }
    if (style === 'single' && !analysis.singleQuotedAllowed) style = 'double';
    if (style === 'literal' && (!analysis.blockAllowed || ctx.simpleKey)) style = 'double';
    const saved = this.indent;
    this.increaseIndent(true, false);
    const allowBreaks = !ctx.simpleKey;
    if (style === 'plain') this.plain(chars, allowBreaks, ctx.root);
    else if (style === 'single') this.single(chars, allowBreaks);
    else if (style === 'double') this.double(chars, allowBreaks);
    else this.literal(chars);
    this.indent = saved;
  }

  private plain(chars: readonly string[], allowBreaks: boolean, root: boolean): void {
    if (!this.whitespace && chars.length > 0) this.put(' ');
    let spaces = false;
    for (let i = 0; i < chars.length; i++) {
      const ch = chars[i] ?? '';
      if (ch === ' ') {
        if (allowBreaks && !spaces && this.column > BEST_WIDTH && chars[i + 1] !== ' ')
          this.writeIndent();
        else this.put(ch);
        spaces = true;
      } else {
        this.put(ch);
        this.indention = false;
        spaces = false;
      }
    }
    this.whitespace = false;
    this.indention = false;
    if (root) this.openEnded = 1;
  }

  private single(chars: readonly string[], allowBreaks: boolean): void {
    this.indicator("'", true, false, false);
    let spaces = false;
    let breaks = false;
    for (let i = 0; i < chars.length; i++) {
      const ch = chars[i] ?? '';
      if (ch === ' ') {
        if (
          allowBreaks &&
          !spaces &&
          this.column > BEST_WIDTH &&
          i !== 0 &&
          i !== chars.length - 1 &&
          chars[i + 1] !== ' '
        ) {
          this.writeIndent();
        } else this.put(ch);
        spaces = true;
      } else if (isBreak(ch)) {
        if (!breaks && ch === '\n') this.putBreak();
        this.writeBreak(ch);
        this.indention = true;
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        this.put(ch === "'" ? "''" : ch);
        this.indention = false;
        spaces = false;
        breaks = false;
      }
    }
    if (breaks) this.writeIndent();
    this.indicator("'", false, false, false);
    this.whitespace = false;
    this.indention = false;
  }

  private double(chars: readonly string[], allowBreaks: boolean): void {
    this.indicator('"', true, false, false);
    let spaces = false;
    for (let i = 0; i < chars.length; i++) {
      const ch = chars[i] ?? '';
      const cp = codePointOf(ch);
      if (!isPrintable(cp) || cp === 0xfeff || isBreak(ch) || ch === '"' || ch === '\\') {
        this.put('\\' + escape(cp));
        spaces = false;
      } else if (ch === ' ') {
        if (
          allowBreaks &&
          !spaces &&
          this.column > BEST_WIDTH &&
          i !== 0 &&
          i !== chars.length - 1
        ) {
          this.writeIndent();
          if (chars[i + 1] === ' ') this.put('\\');
        } else this.put(ch);
        spaces = true;
      } else {
        this.put(ch);
        spaces = false;
      }
    }
    this.indicator('"', false, false, false);
    this.whitespace = false;
    this.indention = false;
  }

  private literal(chars: readonly string[]): void {
    this.indicator('|', true, false, false);
    if (chars[0] === ' ' || isBreak(chars[0]))
      this.indicator(String(BEST_INDENT), false, false, false);
    this.openEnded = 0;
    const last = chars[chars.length - 1];
    if (chars.length === 0 || !isBreak(last)) this.indicator('-', false, false, false);
    else if (chars.length === 1 || isBreak(chars[chars.length - 2])) {
      this.indicator('+', false, false, false);
      this.openEnded = 2;
    }
    this.putBreak();
    this.indention = true;
    this.whitespace = true;
    let breaks = true;
    for (const ch of chars) {
      if (isBreak(ch)) {
        this.writeBreak(ch);
        this.indention = true;
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        this.put(ch);
        this.indention = false;
        breaks = false;
      }
    }
  }
}

function escape(cp: number): string {
  const known = ESCAPES[cp];
  if (known !== undefined) return known;
  const hex = cp.toString(16).toUpperCase();
  if (cp <= 0xff) return 'x' + hex.padStart(2, '0');
  if (cp <= 0xffff) return 'u' + hex.padStart(4, '0');
  return 'U' + hex.padStart(8, '0');
}

/** libyaml's check_simple_key for a string key: one line, at most 128 bytes. */
function isSimpleKey(key: string): boolean {
  return !analyzeScalar(codePoints(key)).multiline && Buffer.byteLength(key, 'utf8') <= 128;
}

/** The text and style YAML::XS hands to libyaml for a Perl scalar. */
function scalarRequest(value: null | undefined | boolean | number | string): [string, Style] {
  if (value === null || value === undefined) return ['~', 'plain'];
  if (typeof value === 'boolean') return [value ? 'true' : 'false', 'plain'];
  if (typeof value === 'number') return [perlNumber(value), 'plain'];
  if (
    value === '' ||
    value === '~' ||
    value === 'true' ||
    value === 'false' ||
    value === 'null' ||
    looksLikeNumber(value)
  ) {
    return [value, 'single'];
  }
  if (value.includes('\n')) {
    return [value, Buffer.byteLength(value, 'utf8') > 30 ? 'literal' : 'double'];
  }
  return [value, 'plain'];
}

/** `YAML::XS::Dump($value)`, as characters. */
export function yamlDump(value: ApiValue): string {
  return new Emitter().document(value);
}

/**
 * What pveum prints for `--output-format yaml`: Proxmox encodes YAML::XS's output, which is
 * already UTF-8, a second time, so every character beyond ASCII arrives double-encoded. The
 * result holds one character per byte of the first encoding, for the caller's UTF-8 writer.
 */
export function pveumYaml(value: ApiValue): string {
  return Buffer.from(yamlDump(value), 'utf8').toString('latin1');
}
