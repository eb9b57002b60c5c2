/**
 * `otpauth://totp/...` URIs, the form in which Proxmox stores TOTP entries. Parsing follows
 * Proxmox's rules (unknown parameters are errors); writing gives Proxmox's canonical form:
 * `otpauth://totp/[ISSUER:]ACCOUNT?secret=...&digits=...&algorithm=...&period=...[&issuer=...]`.
 */
import { base32Decode, base32Encode } from './base32.js';
import { decodeText, percentDecodeBytes } from './text.js';

export const TOTP_ALGORITHMS = ['SHA1', 'SHA256', 'SHA512'] as const;
export type TotpAlgorithm = (typeof TOTP_ALGORITHMS)[number];

export interface TotpParameters {
  readonly secret: Uint8Array;
  readonly algorithm: TotpAlgorithm;
  readonly digits: number;
  /** Seconds per step. */
  readonly period: number;
  readonly issuer?: string;
  readonly account: string;
}

export class TotpUriError extends Error {
  override name = 'TotpUriError';
}

const PREFIX = 'otpauth://totp/';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Percent-decoding as Proxmox does it: invalid escapes stay literal; bytes are UTF-8. */
function decode(text: string, what: string, lossy = false): string {
  if (lossy) return decodeText(text);
  try {
    return strictUtf8.decode(percentDecodeBytes(text));
  } catch {
    throw new TotpUriError(`invalid UTF-8 in ${what}`);
  }
}

export function parseTotpUri(uri: string): TotpParameters {
  if (!uri.startsWith(PREFIX)) throw new TotpUriError("not an 'otpauth://totp/' URI");
  const question = uri.indexOf('?');
  if (question < 0) throw new TotpUriError('missing query');
  const label = uri.slice(PREFIX.length, question);
  // The label splits at the first literal ':'; an encoded %3A does not split it.
  const colon = label.indexOf(':');
  // The label is decoded leniently (invalid UTF-8 becomes U+FFFD), as upstream.
  let issuer = colon >= 0 ? decode(label.slice(0, colon), 'issuer', true) : undefined;
  const account = decode(colon >= 0 ? label.slice(colon + 1) : label, 'account name', true);

  let secret: Uint8Array | undefined;
  let algorithm: TotpAlgorithm = 'SHA1';
  let digits = 6;
  let period = 30;
  for (const pair of uri.slice(question + 1).split('&')) {
    const eq = pair.indexOf('=');
    if (eq < 0) throw new TotpUriError(`parameter without value: '${pair}'`);
    const key = decode(pair.slice(0, eq), 'parameter name');
    const value = decode(pair.slice(eq + 1), key, key === 'issuer');
    switch (key) {
      case 'secret':
        secret = base32Decode(value);
        if (secret === undefined) throw new TotpUriError('secret is not base32');
        break;
      case 'digits':
        digits = Number(value);
        // More than 9 digits would overflow the truncated code; fewer than 1 is no code.
        if (!/^[0-9]+$/.test(value) || digits < 1 || digits > 9)
          throw new TotpUriError(`invalid digits '${value}'`);
        break;
      case 'algorithm': {
        const upper = value.toUpperCase();
        if (!(TOTP_ALGORITHMS as readonly string[]).includes(upper))
          throw new TotpUriError(`unknown algorithm '${value}'`);
        algorithm = upper as TotpAlgorithm;
        break;
      }
      case 'period':
        period = Number(value);
        // A period of 0 would divide by zero.
        if (!/^[0-9]+$/.test(value) || period < 1 || period > 2 ** 32 - 1)
          throw new TotpUriError(`invalid period '${value}'`);
        break;
      case 'issuer':
        issuer = value;
        break;
      default:
        throw new TotpUriError(`unknown otpauth uri parameter '${key}'`);
    }
  }
  if (secret === undefined || secret.length === 0) throw new TotpUriError('missing secret');
  if (account === '') throw new TotpUriError('missing account name');
  return issuer === undefined
    ? { secret, algorithm, digits, period, account }
    : { secret, algorithm, digits, period, issuer, account };
}

/** Every byte outside [A-Za-z0-9] is percent-encoded, as Proxmox does. */
function encode(text: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(text)) {
    const alnum =
      (byte >= 0x30 && byte <= 0x39) ||
      (byte >= 0x41 && byte <= 0x5a) ||
      (byte >= 0x61 && byte <= 0x7a);
    out += alnum
      ? String.fromCharCode(byte)
      : '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

export function formatTotpUri(totp: TotpParameters): string {
  const label =
    totp.issuer !== undefined
      ? `${encode(totp.issuer)}:${encode(totp.account)}`
      : encode(totp.account);
  const issuer = totp.issuer !== undefined ? `&issuer=${encode(totp.issuer)}` : '';
  return `${PREFIX}${label}?secret=${base32Encode(totp.secret)}&digits=${totp.digits}&algorithm=${totp.algorithm}&period=${totp.period}${issuer}`;
}
