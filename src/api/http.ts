/**
 * The Proxmox wire format: every answer is JSON `{"data": ...}` with the content type
 * Proxmox clients insist on; an error is `{"data": null, "message": "<reason>\n"}` (plus
 * `errors` for parameter errors), its status the error's code.
 */
import type { FastifyInstance } from 'fastify';
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

export interface ErrorBody {
  readonly status: number;
  readonly body: { data: null; message: string; errors?: Readonly<Record<string, string>> };
}

/**
 * What the client sees for an error: the status and public message of its code in the
 * registry (errors.ts); details beyond Proxmox's message stay in the logs.
 */
export function errorBody(err: unknown): ErrorBody {
  const known = isTesseraError(err) ? err : new TesseraError('internal', String(err));
  const text = known.publicMessage;
  const errors =
    known.errors ??
    (known.code === 'invalid_value' ? { [known.field ?? 'value']: known.detail } : undefined);
  return {
    status: known.status,
    body: {
      data: null,
      message: text.endsWith('\n') ? text : `${text}\n`,
      ...(errors ? { errors } : {}),
    },
  };
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
