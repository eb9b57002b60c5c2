/**
 * Text helpers shared by the Proxmox file formats: the list splitting and the percent
 * escaping that Proxmox applies to free-text fields (comments, names).
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

/**
 * Proxmox's `split_list`: a string with NUL bytes is split on NUL; otherwise `,` and `;`
 * count as spaces and the string is split on whitespace. Empty items vanish.
 */
export function splitList(text: string | undefined): string[] {
  if (text === undefined) return [];
  if (text.includes('\0')) {
    const parts = text.split('\0');
    while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
    return parts;
  }
  const spaced = text.replace(/[,;]/g, ' ').replace(/^\s+/, '');
  if (spaced === '') return [];
  const parts = spaced.split(/\s+/);
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** Bytes written literally by {@link encodeText}: printable ASCII except `%` and `:`. */
function isLiteralByte(byte: number): boolean {
  return byte >= 0x20 && byte <= 0x7e && byte !== 0x25 && byte !== 0x3a;
}

/**
 * Proxmox's `encode_text`: the UTF-8 bytes of the value, with every byte outside printable
 * ASCII, and `%` and `:`, written `%XX`. The result can never break a `:`-separated line.
 */
export function encodeText(text: string): string {
  let out = '';
  for (const byte of encoder.encode(text)) {
    out += isLiteralByte(byte)
      ? String.fromCharCode(byte)
      : '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

function isHexDigit(byte: number | undefined): boolean {
  return (
    byte !== undefined &&
    ((byte >= 0x30 && byte <= 0x39) ||
      (byte >= 0x41 && byte <= 0x46) ||
      (byte >= 0x61 && byte <= 0x66))
  );
}

/** The UTF-8 bytes of a text with each valid `%XX` replaced by its byte; other `%` stay. */
export function percentDecodeBytes(text: string): Uint8Array {
  const source = encoder.encode(text);
  const bytes = new Uint8Array(source.length);
  let length = 0;
  for (let i = 0; i < source.length; i++) {
    const byte = source[i] ?? 0;
    if (byte === 0x25 && isHexDigit(source[i + 1]) && isHexDigit(source[i + 2])) {
      bytes[length++] = parseInt(String.fromCharCode(source[i + 1] ?? 0, source[i + 2] ?? 0), 16);
      i += 2;
    } else {
      bytes[length++] = byte;
    }
  }
  return bytes.subarray(0, length);
}

/**
 * Proxmox's `decode_text`: `%XX` becomes the byte, then the bytes are read as UTF-8.
 * Like upstream it is lenient: `%zz` stays as it is, lower-case hex is accepted, and
 * invalid UTF-8 becomes U+FFFD.
 */
export function decodeText(text: string): string {
  return text.includes('%') ? decoder.decode(percentDecodeBytes(text)) : text;
}

/** Perl's truth: the empty string and `"0"` are false, every other string is true. */
export function perlTruthy(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0';
}

/** Number of Unicode code points, which is what Perl's `length` counts. */
export function codePointLength(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Whether a string holds a control character (C0, DEL or C1). */
export function hasControlCharacter(text: string): boolean {
  return CONTROL.test(text);
}
