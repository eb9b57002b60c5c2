/**
 * The one registry of Tessera errors. Every failure that crosses a layer boundary is a
 * {@link TesseraError} whose code is listed here, with the HTTP status it is answered with;
 * `switch (err.code)` narrows it. The causes of failed authentications are codes too
 * ({@link AUTH_CAUSES}): each is a 401, and the client never learns which one it was.
 *
 * `publicMessage` is what a client may see. `detail` is for administrators and the audit
 * log only (STYLE.md §4). The tables are documented in docs/errors.md and
 * docs/diagnostics.md and pinned by tests.
 */
export const ERROR_CODES = {
  invalid_value: { status: 400, publicMessage: 'Parameter verification failed.' },
  config_invalid: { status: 500, publicMessage: 'configuration is invalid' },
  store_unavailable: { status: 500, publicMessage: 'configuration store unavailable' },
  // 503 tells a load balancer or client that another node (or a later retry) may take it.
  store_read_only: { status: 503, publicMessage: 'configuration store is read-only' },
  permission_denied: { status: 403, publicMessage: 'Permission check failed' },
  not_found: { status: 404, publicMessage: 'not found' },
  conflict: { status: 409, publicMessage: 'configuration changed concurrently, try again' },
  // Proxmox answers a refused change (a duplicate, a built-in role) with 500 and the reason,
  // which its clients show; `publicMessage` carries that reason.
  rejected: { status: 500, publicMessage: 'request refused' },
  not_implemented: { status: 501, publicMessage: 'not implemented' },
  // A step that costs the server before anyone is authenticated, asked for too often.
  too_many_requests: { status: 429, publicMessage: 'too many requests, try again later' },
  // A request that cannot be served as asked, worded for the client (no single parameter).
  bad_request: { status: 400, publicMessage: 'bad request' },
  usage: { status: 400, publicMessage: 'invalid usage' },
  internal: { status: 500, publicMessage: 'internal error' },
} as const;

/**
 * Why an authentication failed, for the audit log and administrators; advice for each is in
 * diagnostics/advice.ts. Never shown to the client.
 */
export const AUTH_CAUSES = [
  'unknown_user',
  'invalid_username',
  'user_disabled',
  'user_expired',
  'unknown_realm',
  'wrong_password',
  'password_too_long',
  'pam_error',
  'pam_unavailable',
  'realm_unavailable',
  'ldap_unreachable',
  'ldap_tls',
  'ldap_bind_rejected',
  'ldap_user_not_found',
  'ldap_filter_excluded',
  'ldap_account_disabled',
  'ldap_password_expired',
  'ldap_error',
  'oidc_discovery_failed',
  'oidc_state_mismatch',
  'oidc_nonce_mismatch',
  'oidc_code_rejected',
  'oidc_claim_missing',
  'oidc_error',
  'tfa_required',
  'tfa_wrong_code',
  'tfa_challenge_invalid',
  'tfa_locked',
  'totp_locked',
  'tfa_unsupported',
  'webauthn_failed',
  'webauthn_counter',
  'yubico_unreachable',
  'yubico_bad_signature',
  'yubico_rejected',
  'yubico_mismatch',
  'yubico_bad_otp',
  'store_read_only',
  'throttled',
  'login_overloaded',
  'no_permission',
  'server_not_ready',
  'no_credentials',
  'ticket_invalid',
  'ticket_expired',
  'ticket_not_yet_valid',
  'ticket_revoked',
  'csrf_missing',
  'realm_mismatch_suspected',
  'csrf_invalid',
  'token_invalid',
  'token_unknown',
  'token_expired',
] as const;

export type ErrorCode = keyof typeof ERROR_CODES;
export type AuthCause = (typeof AUTH_CAUSES)[number];

/** Every authentication failure is answered 401 with Proxmox's words for a failed login. */
export const AUTH_FAILURE = { status: 401, publicMessage: 'authentication failure' } as const;

interface ErrorOptions {
  readonly field?: string;
  readonly cause?: unknown;
  readonly publicMessage?: string;
  /** Per-parameter reasons of a validation error, as Proxmox lists them. */
  readonly errors?: Readonly<Record<string, string>>;
}

export class TesseraError extends Error {
  readonly code: ErrorCode | AuthCause;
  readonly status: number;
  readonly publicMessage: string;
  /** The parameter or field the error is about, when there is one. */
  readonly field: string | undefined;
  readonly errors: Readonly<Record<string, string>> | undefined;

  constructor(code: ErrorCode | AuthCause, detail: string, options: ErrorOptions = {}) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TesseraError';
    this.code = code;
    // `store_read_only` is both: a refused write, and the cause of a refused second factor.
    const known =
      this instanceof AuthFailure || !(code in ERROR_CODES)
        ? AUTH_FAILURE
        : ERROR_CODES[code as ErrorCode];
    this.status = known.status;
    // Some public messages carry safe specifics (a 403 names the path and privilege).
    this.publicMessage = options.publicMessage ?? known.publicMessage;
    this.field = options.field;
    this.errors = options.errors;
  }

  /** The private cause, for logs and administrators. */
  get detail(): string {
    return this.message;
  }
}

/**
 * A failed authentication: the message is the true cause for the audit log; the client hears
 * only the public message (`authentication failure` for a login, `Authentication failed!`
 * for a request).
 */
export class AuthFailure extends TesseraError {
  declare readonly code: AuthCause;

  constructor(detail: string, code: AuthCause, publicMessage?: string) {
    super(code, detail, publicMessage === undefined ? {} : { publicMessage });
    this.name = 'AuthFailure';
  }
}

/** A value failed validation; `field` names the input, the message says why. */
export function invalid(field: string, reason: string): TesseraError {
  return new TesseraError('invalid_value', reason, { field });
}

/** Several parameters failed validation: Proxmox's `Parameter verification failed.`. */
export function parameterError(errors: Readonly<Record<string, string>>): TesseraError {
  const [field] = Object.keys(errors);
  return new TesseraError('invalid_value', Object.values(errors).join('; '), {
    errors,
    ...(field !== undefined ? { field } : {}),
  });
}

/** `Permission check failed`, with what was missing when it is safe to say. */
export function forbidden(detail?: string): TesseraError {
  return new TesseraError('permission_denied', detail ?? 'permission check failed', {
    publicMessage: `Permission check failed${detail === undefined ? '' : ` (${detail})`}`,
  });
}

/** A refused change or request, worded as Proxmox words it (its clients show the message). */
export function rejected(message: string, field?: string): TesseraError {
  return new TesseraError('rejected', message, {
    publicMessage: message,
    ...(field !== undefined ? { field } : {}),
  });
}

/** A costly step asked for too often; the message is for the client. */
export function tooManyRequests(message: string): TesseraError {
  return new TesseraError('too_many_requests', message, { publicMessage: message });
}

/** A request that cannot be served as asked; the message is for the client. */
export function badRequest(message: string): TesseraError {
  return new TesseraError('bad_request', message, { publicMessage: message });
}

export function isTesseraError(err: unknown, code?: ErrorCode | AuthCause): err is TesseraError {
  return err instanceof TesseraError && (code === undefined || err.code === code);
}

export function isAuthFailure(err: unknown): err is AuthFailure {
  return err instanceof AuthFailure;
}
