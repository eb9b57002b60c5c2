/**
 * The Proxmox wire format: every answer is JSON `{"data": ...}` with the content type
 * Proxmox clients insist on; an error is `{"data": null, "message": "<reason>\n"}` (plus
 * `errors` for parameter errors), its status the error's code and its status line's reason
 * phrase the message's first line.
 */
import type { FastifyInstance } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { isTesseraError, TesseraError } from '../errors.js';

export const JSON_CONTENT_TYPE = 'application/json;charset=UTF-8';

/**
 * Headers every answer carries, the API's and the web interface's: no content sniffing (an
 * answer is what its type says, never a script), no referrer (URLs may name users and
 * realms), and over HTTPS, HSTS for a year without subdomains (Tessera serves HTTPS only
 * unless started with `--http`, which does not send it). Fixed objects, set where answers
 * are sent: a hook per request cost measurable CPU on the hot path.
 */
export const PLAIN_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
});

export const HTTPS_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  ...PLAIN_HEADERS,
  'strict-transport-security': 'max-age=31536000',
});

/** Whether the app serves HTTPS (it was made with TLS). */
export function isHttps(app: FastifyInstance): boolean {
  return Boolean(app.initialConfig.https);
}

/** The fixed headers for a server with or without TLS. */
export function answerHeaders(https: boolean): Readonly<Record<string, string>> {
  return https ? HTTPS_HEADERS : PLAIN_HEADERS;
}

/**
 * An error answer as pveproxy sends it: the status, the message's first line as the reason
 * phrase of the status line (which proxmoxer and Ansible show as the cause), and the JSON body
 * with the whole message, or no body at all where pveproxy sends none.
 */
export interface ErrorAnswer {
  readonly status: number;
  readonly reason: string;
  /** The serialised JSON body; undefined for no body (and no content type). */
  readonly body: string | undefined;
}

/**
 * What the client sees for an error: the status and public message of its code in the
 * registry (errors.ts); details beyond Proxmox's message stay in the logs.
 */
export function errorBody(err: unknown): ErrorAnswer {
  const known = isTesseraError(err) ? err : new TesseraError('internal', String(err));
  const errors =
    known.errors ??
    (known.code === 'invalid_value' ? { [known.field ?? 'value']: known.detail } : undefined);
  // Proxmox's messages come from `die` and end in a newline; those it makes otherwise (no
  // such method, the 404 of a missing second factor) have none.
  const text = known.publicMessage;
  const message =
    text.endsWith('\n') || known.code === 'not_implemented' || known.code === 'not_found'
      ? text
      : `${text}\n`;
  return errorAnswer(known.status, message, errors);
}

/** An error answer in Proxmox's JSON shape for a status and message of Tessera's own. */
export function errorAnswer(
  status: number,
  message: string,
  errors?: Readonly<Record<string, string>>,
): ErrorAnswer {
  return {
    status,
    reason: reasonPhrase(message, status),
    body: JSON.stringify({ data: null, message, ...(errors ? { errors } : {}) }),
  };
}

/**
 * A refusal before any method runs (no ticket, a bad ticket or token, a wrong CSRF token):
 * pveproxy answers these with the status line alone, `401 No ticket`, and an empty body;
 * Tessera adds `{"data":null}`, so that every answer of the API is JSON (health checks and
 * clients that parse every body rely on it), and keeps the cause in the phrase only.
 */
export function refusalAnswer(err: TesseraError): ErrorAnswer {
  return {
    status: err.status,
    reason: reasonPhrase(err.publicMessage, err.status),
    body: '{"data":null}',
  };
}

/** Longer reason phrases are cut: the body carries the whole message. */
const MAX_REASON = 512;

/**
 * The reason phrase for a message, as pveproxy makes it (the first line) but always one Node
 * can send: control characters become spaces and characters beyond ASCII become `?` (Node
 * throws on characters beyond Latin-1, and writes Latin-1 ones as one byte or as UTF-8
 * depending on the body, so no client could decode them reliably); the length is bounded.
 * An empty phrase falls back to the status's standard one, as in pveproxy.
 */
export function reasonPhrase(message: string, status: number): string {
  const firstLine = message.split('\n', 1)[0] ?? '';
  /* eslint-disable no-control-regex -- exactly the characters a status line may not carry */
  let phrase = firstLine.replace(/[\u0000-\u0008\u000a-\u001f\u007f]/g, ' ');
  phrase = phrase.replace(/[^\u0000-\u007f]/gu, '?').trim();
  /* eslint-enable no-control-regex */
  if (phrase.length > MAX_REASON) phrase = `${phrase.slice(0, MAX_REASON - 3)}...`;
  return phrase === '' ? (STATUS_CODES[status] ?? 'Error') : phrase;
}

/** An answer already serialised (cached): sent as the `data` of the envelope as it is. */
export class RawJson {
  /**
   * The whole response body, made once, as a flat (copied) string: Node sends headers and a
   * string body in one write, a Buffer in two. In paired runs this saved about 1 us of server
   * CPU per request over a Buffer.
   */
  readonly body: string;
  /** `attributes` go beside `data`, as Proxmox's result attributes (`total` of a listing). */
  constructor(
    readonly json: string,
    attributes?: Readonly<Record<string, number | string>>,
  ) {
    const more = attributes === undefined ? '' : `,${JSON.stringify(attributes).slice(1, -1)}`;
    this.body = Buffer.from(`{"data":${json}${more}}`).toString('utf8');
  }
}

/** A file to download instead of the JSON envelope (a task's log with `download=1`). */
export class Download {
  constructor(
    readonly body: string,
    readonly filename: string,
    readonly contentType = 'text/plain',
  ) {}
}
