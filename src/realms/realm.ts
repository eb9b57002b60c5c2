/**
 * What every realm type provides, behind one interface: checking a password, reading its
 * users and groups where it has a directory, and checking that it can work from this node
 * (for `doctor`). The login (services/login) and the sync use realms only through this
 * interface; realms/registry.ts says which module serves which type.
 */
import type { UserId } from '../model/ids.js';
import type { RealmConfig, RealmType } from '../model/realm.js';
import type { AccessSnapshot } from '../store/snapshot.js';
import type { CertificateSummary } from './certificate.js';
import type { DirectoryContents } from './ldap-sync.js';

export interface PasswordAttempt {
  readonly userid: UserId;
  /** The user name without the realm. */
  readonly user: string;
  readonly password: string;
  readonly config: RealmConfig;
  /** The configuration the login decides on (stored hashes, realm secrets). */
  readonly snapshot: AccessSnapshot;
  /** The client's address: handed to PAM, and where the hashing queue counts the check. */
  readonly remoteHost?: string | undefined;
}

export interface PasswordVerdict {
  /** The stored hash is outdated: store a fresh one made from the password. */
  readonly rehash: boolean;
}

/** Settings of this node that realms need, given once where the server is put together. */
export interface RealmEnvironment {
  /** The PAM service for logins of the pam realm (default `tessera`). */
  readonly pamService?: string | undefined;
}

/** What a realm's self-check found: how it reached what it depends on. */
export type RealmCheck =
  | { readonly kind: 'local'; readonly detail: string }
  | {
      readonly kind: 'directory';
      /** `host:port` of the server that answered. */
      readonly server: string;
      /** The server's certificate when the connection used TLS. */
      readonly certificate?: CertificateSummary;
    }
  | { readonly kind: 'openid'; readonly detail: string };

export interface Realm {
  readonly type: RealmType;
  /** Checks a password; a failure is an AuthFailure whose code is the cause. */
  authenticate(attempt: PasswordAttempt, env: RealmEnvironment): Promise<PasswordVerdict>;
  /**
   * Costs what checking a password costs, for a login refused before the realm is asked (an
   * unknown or disabled user), so that timing does not tell the cases apart. It waits in the
   * same queue, as `remoteHost`; `snapshot` says what a real check would cost (the `pve`
   * realm's hash kind).
   */
  decoy?(password: string, remoteHost?: string, snapshot?: AccessSnapshot): Promise<void>;
  /** Reads the directory's users and groups for a sync (directory realms only). */
  readonly readDirectory?: (
    config: RealmConfig,
    secret: string | undefined,
    scope: 'users' | 'groups' | 'both',
  ) => Promise<DirectoryContents>;
  /**
   * Proxmox's `check-connection` of a realm about to be stored: connects and binds as the
   * realm would with this configuration and bind password; a failure is a `rejected` error
   * with Proxmox's words. Realms without it cannot be checked (Proxmox refuses the option).
   */
  checkConnection?(config: RealmConfig, secret: string | undefined): Promise<void>;
  /** Checks that the realm can work from this node; throws AuthFailure with the cause. */
  check(config: RealmConfig, secret: string | undefined): Promise<RealmCheck>;
}
