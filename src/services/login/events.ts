/** What a login reports, success or failure, for the audit log and the auth log. */
import type { AuthCause } from '../../errors.js';

/** The kind of a second-factor answer, as its `<type>:` prefix names it. */
export type SecondFactorKind = 'totp' | 'webauthn' | 'recovery' | 'yubico';

/** A failed authentication, as the audit log records it. */
export interface AuthFailureEvent {
  /** What was attempted: a login, or a request with a ticket or an API token. */
  readonly kind: 'login' | 'request';
  readonly rhost: string;
  /** The user name as given (empty when the request named none). */
  readonly user: string;
  /** The stable cause code. */
  readonly cause: AuthCause;
  /** The cause in words, as Proxmox logs it. */
  readonly reason: string;
  /** Set when the attempt was a second-factor answer (of a known kind): what was answered. */
  readonly secondFactor?: SecondFactorKind;
}

/** A successful login: password, second factor, renewal or OpenID. */
export interface AuthSuccessEvent {
  readonly kind: 'login' | 'openid';
  readonly rhost: string;
  readonly user: string;
  /** How: `password`, `password and second factor`, `ticket renewal`, `openid`. */
  readonly reason: string;
  /** The second factor that was answered, if one was. */
  readonly secondFactor?: SecondFactorKind;
}

export interface AuthEventSink {
  failed(event: AuthFailureEvent): void;
  succeeded(event: AuthSuccessEvent): void;
}
