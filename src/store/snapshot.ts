/**
 * An immutable view of the whole access configuration at one revision: what every
 * permission check, login and listing reads. Stores hand out snapshots; nothing mutates one.
 */
import type { Diagnostic } from '../formats/diagnostics.js';
import type { PasswordHashKind } from '../model/password-hash.js';
import type { PendingOidcLogin } from '../model/realm.js';
import type { PendingChallenge } from '../model/tfa.js';
import type { AccessConfig } from './encode.js';

export interface AccessSnapshot extends AccessConfig {
  /** Increases with every change; equal revisions mean equal content. */
  readonly revision: number;
  /** Tessera's own keys by name (`ticket`, `csrf`), as stored; see auth/server-keys.ts. */
  readonly serverKeys: ReadonlyMap<string, string>;
  /** WebAuthn challenges handed out and not yet answered, by challenge. */
  readonly tfaChallenges: ReadonlyMap<string, PendingChallenge>;
  /** OpenID logins on their way through the provider, by state. */
  readonly oidcStates: ReadonlyMap<string, PendingOidcLogin>;
  /**
   * By user id: tickets issued before this Unix time are refused (a password change, a
   * disable, a delete, a second-factor reset, "log out everywhere"); see auth/sessions.ts.
   */
  readonly sessions: ReadonlyMap<string, number>;
  /**
   * The hash new `pve` passwords get (`settings/password-hash`); absent: argon2id. See
   * model/password-hash.ts.
   */
  readonly passwordHash?: PasswordHashKind;
  /** The store revision of each key, for conditions on the entities a change touches. */
  readonly revisions: ReadonlyMap<string, number>;
  /**
   * The position of each ordered entity (realms, passwords, second factors) by key: the
   * files list them in this order.
   */
  readonly sequence: ReadonlyMap<string, number>;
  /** What the loader noticed (file problems with file and line, unreadable store values). */
  readonly diagnostics: readonly Diagnostic[];
}
