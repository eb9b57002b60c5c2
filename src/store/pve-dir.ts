/**
 * A read-only store over a directory laid out like `/etc/pve`: `user.cfg`, `domains.cfg`,
 * `priv/shadow.cfg`, `priv/token.cfg` and `priv/tfa.cfg`. A missing file reads as empty,
 * as on a fresh Proxmox node. Every read parses the files anew, so the snapshot always
 * shows what is on disk.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { TesseraError } from '../errors.js';
import { parseDomainsCfg } from '../formats/domains-cfg.js';
import { parseShadowCfg } from '../formats/shadow-cfg.js';
import { parseTfaCfg } from '../formats/tfa-cfg.js';
import { parseTokenCfg } from '../formats/token-cfg.js';
import { parseUserCfg } from '../formats/user-cfg.js';
import type { AccessSnapshot, SnapshotSource } from './snapshot.js';

/** The Proxmox files Tessera reads, by their path below the directory. */
export const PVE_FILES = [
  'user.cfg',
  'domains.cfg',
  'priv/shadow.cfg',
  'priv/token.cfg',
  'priv/tfa.cfg',
] as const;
export type PveFile = (typeof PVE_FILES)[number];

export interface PveDirOptions {
  /** The clock for TFA lock expiry; injected for tests. */
  readonly now?: () => number;
}

export class PveDirStore implements SnapshotSource {
  readonly url: string;
  private revision = 0;
  private readonly now: () => number;

  constructor(
    readonly dir: string,
    options: PveDirOptions = {},
  ) {
    this.url = `pve-dir:${dir}`;
    this.now = options.now ?? (() => Math.floor(Date.now() / 1000));
  }

  /** The text of one file, `''` when it does not exist. */
  async readText(file: PveFile): Promise<string> {
    try {
      return await readFile(join(this.dir, file), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw new TesseraError(
        'store_unavailable',
        `cannot read ${join(this.dir, file)}: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }

  async snapshot(): Promise<AccessSnapshot> {
    let info;
    try {
      info = await stat(this.dir);
    } catch (err) {
      throw new TesseraError(
        'store_unavailable',
        `Proxmox configuration directory '${this.dir}' does not exist`,
        { cause: err },
      );
    }
    if (!info.isDirectory()) {
      throw new TesseraError('store_unavailable', `'${this.dir}' is not a directory`);
    }
    const [userText, domainsText, shadowText, tokenText, tfaText] = await Promise.all(
      PVE_FILES.map((f) => this.readText(f)),
    );
    const users = parseUserCfg(userText ?? '');
    const domains = parseDomainsCfg(domainsText ?? '');
    const shadow = parseShadowCfg(shadowText ?? '');
    const tokens = parseTokenCfg(tokenText ?? '');
    const tfa = parseTfaCfg(tfaText ?? '', { now: this.now() });
    return {
      revision: ++this.revision,
      users: users.value,
      domains: domains.value,
      shadow: shadow.value,
      tokenSecrets: tokens.value,
      tfa: tfa.value,
      diagnostics: [
        ...users.diagnostics,
        ...domains.diagnostics,
        ...shadow.diagnostics,
        ...tokens.diagnostics,
        ...tfa.diagnostics,
      ],
    };
  }

  async close(): Promise<void> {
    // Nothing is held open.
  }
}
