/**
 * The HTTP access log (`serve --access-log <file>`): one line per answered request, in
 * pveproxy's format (PVE::APIServer::AnyEvent `log_request`, Apache's common log format):
 *
 *     ::ffff:192.0.2.1 - root@pam [07/12/2026:12:00:00 +0000] "GET /api2/json/version HTTP/1.1" 200 153
 *
 * client address (the one a trusted proxy names), `-`, the authenticated user or API token
 * (or `-`), local time, the request line, status, and the body's length (`-` when unknown).
 * Unlike pveproxy, which logs the request line as it came, the values of query parameters
 * that may carry a secret are hidden, and a long target is cut: a client controls it.
 */
import type { FastifyInstance } from 'fastify';
import type { LogFile } from './log-file.js';
import { requestUser } from './request-user.js';

export interface AccessEntry {
  readonly address: string;
  readonly user: string | undefined;
  readonly time: Date;
  readonly method: string;
  /** The request target as the client sent it (path and query). */
  readonly target: string;
  readonly httpVersion: string;
  readonly status: number;
  /** The answer body's length in bytes, when the answer said it. */
  readonly size: number | undefined;
}

/** The longest target logged: the rest is cut and marked, so one request costs one short line. */
export const MAX_LOGGED_TARGET = 1024;

/**
 * Parameters whose values are never logged: passwords, tickets, second factors, token
 * secrets, OpenID codes and states (the web interface's `/?code=...&state=...` return), keys.
 * A name is hidden when it contains one of these, so a few harmless ones (`tokenid`) are too.
 */
const SECRET_NAME =
  /pass|secret|ticket|token|key|otp|tfa|totp|response|code|state|challenge|recovery|csrf|auth|cookie|signature|value/i;

export const HIDDEN = '(hidden)';

/** The target with secret query values hidden, cut to {@link MAX_LOGGED_TARGET}, escaped. */
export function loggableTarget(target: string): string {
  const cut = target.length > MAX_LOGGED_TARGET;
  const head = cut ? target.slice(0, MAX_LOGGED_TARGET) : target;
  const question = head.indexOf('?');
  let shown = head;
  if (question >= 0) {
    const query = head
      .slice(question + 1)
      .split('&')
      .map((pair) => {
        const equals = pair.indexOf('=');
        const name = equals < 0 ? pair : pair.slice(0, equals);
        return SECRET_NAME.test(decodedName(name)) ? `${name}=${HIDDEN}` : pair;
      })
      .join('&');
    shown = `${head.slice(0, question)}?${query}`;
  }
  return escapeField(shown) + (cut ? '...' : '');
}

function decodedName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    // Undecodable: judged as written.
    return name;
  }
}

/** Quotes, backslashes, spaces and anything not printable ASCII cannot break the line. */
function escapeField(text: string): string {
  return text.replace(/[^\x21\x23-\x5b\x5d-\x7e]/gu, (c) =>
    [...Buffer.from(c, 'utf8')]
      .map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`)
      .join(''),
  );
}

function two(n: number): string {
  return String(n).padStart(2, '0');
}

/** `%d/%m/%Y:%H:%M:%S %z` in local time, as pveproxy's strftime writes it. */
export function accessLogTime(time: Date): string {
  const offset = -time.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return (
    `${two(time.getDate())}/${two(time.getMonth() + 1)}/${String(time.getFullYear())}:` +
    `${two(time.getHours())}:${two(time.getMinutes())}:${two(time.getSeconds())} ` +
    `${sign}${two(Math.floor(abs / 60))}${two(abs % 60)}`
  );
}

export function accessLogLine(entry: AccessEntry): string {
  const user = entry.user === undefined || entry.user === '' ? '-' : escapeField(entry.user);
  const request = `${escapeField(entry.method)} ${loggableTarget(entry.target)} HTTP/${escapeField(entry.httpVersion)}`;
  return `${escapeField(entry.address)} - ${user} [${accessLogTime(entry.time)}] "${request}" ${String(entry.status)} ${entry.size === undefined ? '-' : String(entry.size)}\n`;
}

/** Writes a line to `file` for every request `app` answers. Before `app` is ready. */
export function logAccess(
  app: FastifyInstance,
  file: LogFile,
  now: () => Date = () => new Date(),
): void {
  app.addHook('onResponse', (request, reply, done) => {
    // Fastify keeps the headers it sent with writeHead in its own list, not on the response.
    const length = reply.getHeader('content-length') ?? reply.raw.getHeader('content-length');
    const size = length === undefined ? undefined : Number(length);
    file.write(
      accessLogLine({
        address: request.ip,
        user: requestUser(request),
        time: now(),
        method: request.raw.method ?? '-',
        target: request.raw.url ?? '-',
        httpVersion: request.raw.httpVersion,
        status: reply.raw.statusCode,
        size: size !== undefined && Number.isFinite(size) ? size : undefined,
      }),
    );
    done();
  });
}
