/**
 * `pve-dir:<dir>`: a read-only store over a directory laid out like `/etc/pve`: `user.cfg`,
 * `domains.cfg`, `priv/shadow.cfg`, `priv/token.cfg`, `priv/tfa.cfg`, the directory
 * realms' bind passwords in `priv/realm/<realm>.pw` and `datacenter.cfg`. A missing file
 * reads as empty, as on a fresh Proxmox node; a missing datacenter.cfg as none at all (an
 * export then writes none). Every read parses the files anew, so the snapshot always shows what is
 * on disk. It is what `import` reads and what `config show` inspects in place.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { TesseraError } from '../errors.js';
import { parseDatacenterCfg } from '../formats/datacenter-cfg.js';
import { parseDomainsCfg } from '../formats/domains-cfg.js';
import { parseShadowCfg } from '../formats/shadow-cfg.js';
import { parseTfaCfg } from '../formats/tfa-cfg.js';
import { parseTokenCfg } from '../formats/token-cfg.js';
import { parseUserCfg } from '../formats/user-cfg.js';
import type { RealmId } from '../model/ids.js';
import type { DomainsConfig } from '../model/realm.js';
import type { Diagnostic } from '../formats/diagnostics.js';
import type { ConfigStore, StoreEntry, StoreSnapshot } from './config-store.js';
import { encodeAccessConfig, type AccessConfig } from './encode.js';

/** The Proxmox files Tessera reads, by their path below the directory. */
export const PVE_FILES = [
  'user.cfg',
  'domains.cfg',
  'priv/shadow.cfg',
  'priv/token.cfg',
  'priv/tfa.cfg',
  'datacenter.cfg',
] as const;
export type PveFile = (typeof PVE_FILES)[number];

export interface PveDirOptions {
  /** The clock for TFA lock expiry; injected for tests. */
  readonly now?: () => number;
}

/** Where Proxmox keeps a directory realm's bind password, newest location first. */
export function realmPasswordFiles(realm: RealmId): string[] {
  return [`priv/realm/${realm}.pw`, `priv/ldap/${realm}.pw`];
}

/** The realms whose bind password lives in a file of its own (LDAP and Active Directory). */
function directoryRealms(domains: DomainsConfig): RealmId[] {
  return [...domains.realms.values()]
    .filter((realm) => realm.type === 'ldap' || realm.type === 'ad')
    .map((realm) => realm.realm);
}

export class PveDirStore implements ConfigStore {
  readonly url: string;
  readonly writable = false;
  private revision = 0;
  private readonly now: () => number;

  constructor(
    readonly dir: string,
    options: PveDirOptions = {},
  ) {
    this.url = `pve-dir:${dir}`;
    this.now = options.now ?? (() => Math.floor(Date.now() / 1000));
  }

  /** The text of one file below the directory, `undefined` when it does not exist. */
  async readFile(file: string): Promise<string | undefined> {
    try {
      return await readFile(join(this.dir, file), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new TesseraError(
        'store_unavailable',
        `cannot read ${join(this.dir, file)}: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }

  /** The configuration in the directory, parsed, with every file's diagnostics. */
  async read(): Promise<{ config: AccessConfig; diagnostics: Diagnostic[] }> {
    return this.parse(await this.readTexts());
  }

  /**
   * The text of every file the configuration lives in, by path below the directory
   * (`undefined`: absent): the Proxmox files, then the bind password files the realms of
   * domains.cfg name.
   */
  async readTexts(): Promise<Map<string, string | undefined>> {
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
    const texts = new Map<string, string | undefined>();
    const read = await Promise.all(PVE_FILES.map(async (f) => this.readFile(f)));
    PVE_FILES.forEach((file, i) => texts.set(file, read[i]));
    for (const realm of directoryRealms(parseDomainsCfg(texts.get('domains.cfg') ?? '').value)) {
      for (const file of realmPasswordFiles(realm)) texts.set(file, await this.readFile(file));
    }
    return texts;
  }

  /** The configuration the texts of {@link readTexts} hold, with every file's diagnostics. */
  parse(texts: ReadonlyMap<string, string | undefined>): {
    config: AccessConfig;
    diagnostics: Diagnostic[];
  } {
    const users = parseUserCfg(texts.get('user.cfg') ?? '');
    const domains = parseDomainsCfg(texts.get('domains.cfg') ?? '');
    const shadow = parseShadowCfg(texts.get('priv/shadow.cfg') ?? '');
    const tokens = parseTokenCfg(texts.get('priv/token.cfg') ?? '');
    const tfa = parseTfaCfg(texts.get('priv/tfa.cfg') ?? '', { now: this.now() });
    const datacenterText = texts.get('datacenter.cfg');
    const datacenter =
      datacenterText !== undefined ? parseDatacenterCfg(datacenterText) : undefined;
    const realmSecrets = new Map<RealmId, string>();
    for (const realm of directoryRealms(domains.value)) {
      for (const file of realmPasswordFiles(realm)) {
        const text = texts.get(file);
        if (text === undefined) continue;
        // Proxmox reads the first line only.
        realmSecrets.set(realm, text.split('\n')[0] ?? '');
        break;
      }
    }
    return {
      config: {
        users: users.value,
        domains: domains.value,
        shadow: shadow.value,
        tokenSecrets: tokens.value,
        realmSecrets,
        tfa: tfa.value,
        ...(datacenter !== undefined ? { datacenter: datacenter.value } : {}),
      },
      diagnostics: [
        ...users.diagnostics,
        ...domains.diagnostics,
        ...shadow.diagnostics,
        ...tokens.diagnostics,
        ...tfa.diagnostics,
        ...(datacenter?.diagnostics ?? []),
      ],
    };
  }

  async snapshot(): Promise<StoreSnapshot> {
    const { config, diagnostics } = await this.read();
    const revision = ++this.revision;
    const entries = new Map<string, StoreEntry>();
    for (const [key, value] of encodeAccessConfig(config)) entries.set(key, { value, revision });
    return { revision, entries, diagnostics };
  }

  transact(): Promise<number> {
    return Promise.reject(
      new TesseraError(
        'store_read_only',
        `${this.url} is read-only: import it into a store with 'tessera import --pve-dir ${this.dir}'`,
      ),
    );
  }

  watch(): () => void {
    // The files are read anew by every snapshot; there is nothing to follow.
    return () => undefined;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
