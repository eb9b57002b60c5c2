/**
 * The authentication log: one line per failed login or request, in Proxmox's words
 * (`authentication failure; rhost=<ip> user=<user> msg=<reason>`), so that existing
 * fail2ban setups and log searches work; contrib/fail2ban has the filter. Lines written to a
 * file carry an ISO timestamp and `tessera[<pid>]:`, as syslog would.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import type { AuthFailureEvent } from '../services/login/events.js';

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

export function authFailureLine(event: AuthFailureEvent): string {
  return `authentication failure; rhost=${escapeUser(event.rhost)} user=${escapeUser(event.user)} msg=${escapeMessage(event.reason)}`;
}

export class AuthLogFile {
  private readonly stream: WriteStream;

  constructor(path: string) {
    this.stream = createWriteStream(path, { flags: 'a', mode: 0o640 });
  }

  write(event: AuthFailureEvent, now: Date = new Date()): void {
    this.stream.write(
      `${now.toISOString()} tessera[${String(process.pid)}]: ${authFailureLine(event)}\n`,
    );
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.stream.end(resolve));
  }
}

/** The audit log: one JSON object per failed authentication, with its stable cause code. */
export class AuditLogFile {
  private readonly stream: WriteStream;

  constructor(path: string) {
    this.stream = createWriteStream(path, { flags: 'a', mode: 0o640 });
  }

  write(event: AuthFailureEvent, now: Date = new Date()): void {
    this.stream.write(`${JSON.stringify({ time: now.toISOString(), ...event })}\n`);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.stream.end(resolve));
  }
}
