/**
 * The authentication log. A failed login, a failed password check (a password re-entry, a
 * password change) and a bad second factor are `authentication failure; rhost=<ip>
 * user=<user> msg=<reason>` lines, in Proxmox's words, so that existing fail2ban setups and
 * log searches work; contrib/fail2ban has the filter. A request whose ticket or API token is
 * refused (expired, revoked, damaged, of a disabled user) guesses nothing: like pveproxy,
 * which only warns about it, Tessera logs it as `refused request; ...`, which the filter
 * does not match, so that a browser left open with an old ticket does not get its address
 * banned. A request without any credentials is not logged at all. Lines written to a file
 * carry an ISO timestamp and `tessera[<pid>]:`, as syslog would.
 */
import type { AuthCause } from '../errors.js';
import type { AuthFailureEvent } from '../services/login/events.js';
import type { LogFile } from './log-file.js';

/**
 * Client-supplied text (the user name, and messages quoting it) is escaped so that it can
 * neither break the line nor forge a second `authentication failure; rhost=` in it, which
 * would make fail2ban ban an address the attacker chose.
 */
function escapeUser(text: string): string {
  return text.replace(/[^A-Za-z0-9@._!:+-]/gu, (c) =>
    [...Buffer.from(c, 'utf8')]
      .map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`)
      .join(''),
  );
}

function escapeMessage(text: string): string {
  return (
    text
      .replace(/[%;=]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
      // eslint-disable-next-line no-control-regex -- control characters are what is removed
      .replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ')
  );
}

/** Why a request's credentials are refused: nothing was guessed. */
const CREDENTIAL_CAUSES: ReadonlySet<AuthCause> = new Set<AuthCause>([
  'no_credentials',
  'ticket_invalid',
  'ticket_expired',
  'ticket_not_yet_valid',
  'ticket_revoked',
  'csrf_missing',
  'csrf_invalid',
  'token_invalid',
  'token_unknown',
  'token_expired',
  'user_disabled',
  'user_expired',
  'unknown_user',
  'invalid_username',
  'server_not_ready',
]);

/** Whether an event is an authentication failure (a password or second factor was wrong). */
export function isAuthenticationFailure(event: AuthFailureEvent): boolean {
  return event.kind !== 'request' || !CREDENTIAL_CAUSES.has(event.cause);
}

/** The event's line: an `authentication failure`, or a `refused request` that is none. */
export function authLogLine(event: AuthFailureEvent): string {
  const what = isAuthenticationFailure(event) ? 'authentication failure' : 'refused request';
  return `${what}; rhost=${escapeUser(event.rhost)} user=${escapeUser(event.user)} msg=${escapeMessage(event.reason)}`;
}

export class AuthLogFile {
  constructor(private readonly file: LogFile) {}

  write(event: AuthFailureEvent, now: Date = new Date()): void {
    this.file.write(
      `${now.toISOString()} tessera[${String(process.pid)}]: ${authLogLine(event)}\n`,
    );
  }
}

/** The audit log: one JSON object per failed authentication, with its stable cause code. */
export class AuditLogFile {
  constructor(private readonly file: LogFile) {}

  write(event: AuthFailureEvent, now: Date = new Date()): void {
    this.file.write(`${JSON.stringify({ time: now.toISOString(), ...event })}\n`);
  }
}
