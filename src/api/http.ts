/**
 * The Proxmox wire format: every answer is JSON `{"data": ...}` with the content type
 * Proxmox clients insist on; an error is `{"data": null, "message": "<reason>\n"}` (plus
 * `errors` for parameter errors), its status the error's code.
 */
import { isTesseraError } from '../errors.js';

export const JSON_CONTENT_TYPE = 'application/json;charset=UTF-8';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: Readonly<Record<string, string>>,
  ) {
    super(message);
  }
}

export function parameterError(errors: Readonly<Record<string, string>>): ApiError {
  return new ApiError(400, 'Parameter verification failed.', errors);
}

/** `Permission check failed`, with what was missing when it is safe to say. */
export function forbidden(detail?: string): ApiError {
  return new ApiError(403, `Permission check failed${detail === undefined ? '' : ` (${detail})`}`);
}

export interface ErrorBody {
  readonly status: number;
  readonly body: { data: null; message: string; errors?: Readonly<Record<string, string>> };
}

/** What the client sees for an error; details beyond Proxmox's message stay in the logs. */
export function errorBody(err: unknown): ErrorBody {
  const message = (text: string): string => (text.endsWith('\n') ? text : `${text}\n`);
  if (err instanceof ApiError) {
    return {
      status: err.status,
      body: {
        data: null,
        message: message(err.message),
        ...(err.errors ? { errors: err.errors } : {}),
      },
    };
  }
  if (isTesseraError(err)) {
    switch (err.code) {
      case 'invalid_value':
        return errorBody(parameterError({ [err.field ?? 'value']: err.detail }));
      case 'permission_denied':
        return errorBody(new ApiError(403, err.publicMessage));
      case 'rejected':
        return errorBody(new ApiError(500, err.publicMessage));
      case 'store_read_only':
        return errorBody(new ApiError(503, err.publicMessage));
      default:
        return errorBody(new ApiError(err.status, err.publicMessage));
    }
  }
  return errorBody(new ApiError(500, 'internal error'));
}

/** An answer already serialised (cached): sent as the `data` of the envelope as it is. */
export class RawJson {
  /** The whole response body, encoded once. */
  readonly body: Buffer;
  constructor(readonly json: string) {
    this.body = Buffer.from(`{"data":${json}}`);
  }
}
