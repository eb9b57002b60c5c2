/**
 * The closed set of Tessera errors. Every failure that crosses a layer boundary is a
 * {@link TesseraError} with one of these codes; `switch (err.code)` narrows it.
 *
 * `publicMessage` is what a client may see. `detail` is for administrators and the audit
 * log only (STYLE.md §4). The table is documented in docs/errors.md and pinned by a test.
 */
export const ERROR_CODES = {
  invalid_value: { status: 400, publicMessage: 'Parameter verification failed.' },
  config_invalid: { status: 500, publicMessage: 'configuration is invalid' },
  store_unavailable: { status: 500, publicMessage: 'configuration store unavailable' },
  store_read_only: {
    status: 500,
    publicMessage: 'configuration store is read-only',
  },
  permission_denied: { status: 403, publicMessage: 'Permission check failed' },
  not_found: { status: 404, publicMessage: 'not found' },
  conflict: { status: 409, publicMessage: 'configuration changed concurrently, try again' },
  // Proxmox answers a refused change (a duplicate, a built-in role) with 500 and the reason,
  // which its clients show; `publicMessage` carries that reason.
  rejected: { status: 500, publicMessage: 'request refused' },
  usage: { status: 400, publicMessage: 'invalid usage' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class TesseraError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly publicMessage: string;
  /** The parameter or field the error is about, when there is one. */
  readonly field: string | undefined;

  constructor(
    code: ErrorCode,
    detail: string,
    options: { field?: string; cause?: unknown; publicMessage?: string } = {},
  ) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TesseraError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
    // Some public messages carry safe specifics (a 403 names the path and privilege).
    this.publicMessage = options.publicMessage ?? ERROR_CODES[code].publicMessage;
    this.field = options.field;
  }

  /** The private cause, for logs and administrators. */
  get detail(): string {
    return this.message;
  }
}

/** A value failed validation; `field` names the input, the message says why. */
export function invalid(field: string, reason: string): TesseraError {
  return new TesseraError('invalid_value', reason, { field });
}

export function isTesseraError(err: unknown, code?: ErrorCode): err is TesseraError {
  return err instanceof TesseraError && (code === undefined || err.code === code);
}
