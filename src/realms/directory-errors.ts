/**
 * What went wrong talking to a directory, in two voices: the precise cause and detail for the
 * audit log and administrators (an AuthFailure code), and the words Proxmox's `pveproxy`
 * would use (Net::LDAP's), for answers Proxmox gives to the administrator who configures a
 * realm, such as `check-connection` (`Connection refused`, `ldap bind failed: Invalid
 * credentials`). Neither ever reaches a client that logs in.
 */
import { ResultCodeError } from 'ldapts';
import { AuthFailure, type AuthCause } from '../errors.js';

export class DirectoryFailure extends AuthFailure {
  /** What Proxmox would say, for the administrator configuring the realm. */
  readonly proxmoxMessage: string;

  constructor(detail: string, code: AuthCause, proxmoxMessage: string) {
    super(detail, code);
    this.proxmoxMessage = proxmoxMessage;
  }
}

/** The error's message with its system code (`ECONNREFUSED`) when the message lacks it. */
export function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && !err.message.includes(code)
    ? `${err.message} (${code})`
    : err.message;
}

const UNREACHABLE =
  /ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EPIPE|timed out|socket hang up|Connection closed/i;
const TLS_PROBLEM =
  /certificate|CERT_|SSL|TLS|self[- ]signed|altnames|handshake|UNABLE_TO_VERIFY|EPROTO/i;

/** The system's words for a failed connect, as Perl's `$!` says them to Net::LDAP. */
const SYSTEM_WORDS: readonly [RegExp, string][] = [
  [/ECONNREFUSED/, 'Connection refused'],
  [/ENOTFOUND|EAI_AGAIN|EAI_NONAME/, 'Name or service not known'],
  [/EHOSTUNREACH/, 'No route to host'],
  [/ENETUNREACH/, 'Network is unreachable'],
  [/ECONNRESET|socket hang up/i, 'Connection reset by peer'],
  [/ETIMEDOUT|timed out/i, 'Connection timed out'],
];

/** A connection that failed: the next server may do better. Undefined for other errors. */
export function connectionFailure(err: unknown, server: string): DirectoryFailure | undefined {
  if (err instanceof ResultCodeError) return undefined;
  const text = errorText(err);
  if (TLS_PROBLEM.test(text))
    return new DirectoryFailure(
      `LDAP server ${server}: TLS handshake or certificate check failed: ${text}`,
      'ldap_tls',
      `SSL connect attempt failed ${err instanceof Error ? err.message : text}`,
    );
  if (UNREACHABLE.test(text))
    return new DirectoryFailure(
      `LDAP server ${server} unreachable: ${text}`,
      'ldap_unreachable',
      SYSTEM_WORDS.find(([pattern]) => pattern.test(text))?.[1] ?? text,
    );
  return undefined;
}

/** Net::LDAP's descriptions of result codes, used when the server sends no message. */
const RESULT_WORDS: Readonly<Record<number, string>> = {
  1: 'Operations error',
  2: 'Protocol error',
  7: 'Strong authentication not supported',
  8: 'Strong authentication required',
  13: 'Confidentiality required',
  32: 'No such object',
  34: 'Invalid DN syntax',
  48: 'Inappropriate authentication',
  49: 'Invalid credentials',
  50: 'Insufficient access',
  51: 'DSA is busy',
  52: 'DSA is unavailable',
  53: 'DSA is unwilling to perform',
};

/** What Net::LDAP's `$result->error` says for an LDAP result: the server's text, or the code's. */
export function resultWords(err: unknown): string {
  if (!(err instanceof ResultCodeError)) return errorText(err);
  // ldapts appends the code (` Code: 0x31`) to the server's text, which may be empty.
  const own = err.message.replace(/\s*Code: 0x[0-9a-f]+$/i, '');
  return own !== '' ? own : (RESULT_WORDS[err.code] ?? `LDAP error ${String(err.code)}`);
}
