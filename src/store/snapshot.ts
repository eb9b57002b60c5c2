/**
 * An immutable view of the whole access configuration at one revision: what every
 * permission check, login and listing reads. A store hands out snapshots; nothing mutates
 * one.
 */
import type { Diagnostic } from '../formats/diagnostics.js';
import type { DomainsConfig } from '../model/realm.js';
import type { TfaConfig } from '../model/tfa.js';
import type { UserConfig } from '../model/user-config.js';
import type { ShadowConfig } from '../formats/shadow-cfg.js';
import type { TokenSecrets } from '../formats/token-cfg.js';

export interface AccessSnapshot {
  /** Increases with every change; equal revisions mean equal content. */
  readonly revision: number;
  readonly users: UserConfig;
  readonly domains: DomainsConfig;
  /** pve-realm password hashes by user name. */
  readonly shadow: ShadowConfig;
  /** API token secrets by token id. */
  readonly tokenSecrets: TokenSecrets;
  readonly tfa: TfaConfig;
  /** What the loader noticed about the source (file problems, with file and line). */
  readonly diagnostics: readonly Diagnostic[];
}

/** Where snapshots come from. Each store adapter implements it. */
export interface SnapshotSource {
  /** The `--store` URL, with any secret left out. */
  readonly url: string;
  snapshot(): Promise<AccessSnapshot>;
  close(): Promise<void>;
}
