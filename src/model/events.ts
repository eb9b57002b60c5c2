/**
 * The events Tessera keeps: authentication attempts and changes of the configuration. Pure
 * types, shared by the services that write them and the diagnostics that read them.
 */
import type { AuthCause, ErrorCode } from '../errors.js';
import type { ChangeEntity } from './change-entities.js';

export interface AuthEvent {
  /** Unix time in milliseconds. */
  readonly time: number;
  readonly node: string;
  readonly kind: 'login' | 'request' | 'openid';
  readonly outcome: 'success' | 'failure';
  readonly cause?: AuthCause;
  /** The user name as given (may be empty, may lack the realm). */
  readonly user: string;
  readonly realm?: string;
  readonly rhost: string;
  /** The precise reason, for administrators. */
  readonly reason?: string;
}

export type { ChangeEntity } from './change-entities.js';

export type ChangeAction =
  | 'create'
  | 'update'
  | 'delete'
  | 'regenerate'
  | 'sync'
  | 'unlock'
  | 'import'
  | 'logout'
  | 'backup'
  | 'restore';

/** A value of a changed field; secrets only ever appear as `(set)` or `(changed)`. */
export type ChangeValue = string | number | boolean | null | readonly string[];

/**
 * A change of the configuration, or an attempt at one: who (`actor`, the token if one was
 * used, the client address `rhost`), what (`entity`, `id`, `action`, the `fields` given with
 * their new values), and how it ended. Successful changes are written in the same
 * transaction as the change itself.
 */
export interface ChangeEvent {
  /** Unix time in milliseconds. */
  readonly time: number;
  readonly node: string;
  readonly kind: 'change';
  /** The user, or the token's owner. */
  readonly actor: string;
  readonly token?: string;
  readonly rhost: string;
  readonly entity: ChangeEntity;
  readonly id: string;
  readonly action: ChangeAction;
  readonly fields: Readonly<Record<string, ChangeValue>>;
  readonly outcome: 'success' | 'refused' | 'failed';
  readonly cause?: ErrorCode | AuthCause;
  readonly reason?: string;
}

export type StoredEvent = AuthEvent | ChangeEvent;
