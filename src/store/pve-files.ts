/**
 * Which Proxmox file holds which store key, and how a set of store entries becomes those
 * files again: the write half of `pve-dir:` in live mode. Keys no Proxmox file can hold
 * (Tessera's own: events, sessions, tasks, server keys, ...) belong to no file.
 */
import { chmod, mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { TesseraError } from '../errors.js';
import { serializeDatacenterCfg } from '../formats/datacenter-cfg.js';
import { serializeDomainsCfg } from '../formats/domains-cfg.js';
import { serializeShadowCfg } from '../formats/shadow-cfg.js';
import { serializeTfaCfg } from '../formats/tfa-cfg.js';
import { serializeTokenCfg } from '../formats/token-cfg.js';
import { serializeUserCfg } from '../formats/user-cfg.js';
import type { RealmId } from '../model/ids.js';
import { assemble } from './assemble.js';
import { PASSWORD_HASH_SETTING } from '../model/password-hash.js';
import {
  decodePassword,
  decodeSecret,
  encodeSetting,
  KEYS,
  parseKey,
  type EntityKind,
} from './codec.js';
import type { StoreEntry } from './config-store.js';
import { fileLockId } from './cfs-lock.js';
import { realmPasswordFiles } from './pve-dir.js';

const FILE_OF_KIND: Partial<Record<EntityKind, string>> = {
  user: 'user.cfg',
  token: 'user.cfg',
  group: 'user.cfg',
  role: 'user.cfg',
  pool: 'user.cfg',
  acl: 'user.cfg',
  realm: 'domains.cfg',
  password: 'priv/shadow.cfg',
  tokenSecret: 'priv/token.cfg',
  tfa: 'priv/tfa.cfg',
  datacenter: 'datacenter.cfg',
};

/**
 * Settings the files decide rather than the sidecar: Proxmox checks priv/shadow.cfg with
 * crypt(3), so live on its directory every new password is a SHA-512-crypt hash, whatever
 * the sidecar kept from before (the store's `password-hash` reads `sha512-crypt` and takes
 * no other value).
 */
export const SETTINGS_OF_FILES: ReadonlyMap<string, string> = new Map([
  [KEYS.setting(PASSWORD_HASH_SETTING), encodeSetting('sha512-crypt')],
]);

/** Refuses a change of a setting the files decide; `true` when the operation changes nothing. */
export function isSettingOfFilesKept(key: string, value: string | undefined): boolean {
  const fixed = SETTINGS_OF_FILES.get(key);
  if (fixed === undefined) return false;
  if (value === fixed) return true;
  throw new TesseraError(
    'rejected',
    `${PASSWORD_HASH_SETTING}: live on a Proxmox directory it stays sha512-crypt: ` +
      'Proxmox checks the hashes in priv/shadow.cfg with crypt(3)',
    { field: PASSWORD_HASH_SETTING },
  );
}

/** The file below the directory that holds `key`, or `undefined` for Tessera's own keys. */
export function fileOfKey(key: string): string | undefined {
  const parsed = parseKey(key);
  if (parsed === undefined) return undefined;
  if (parsed.kind === 'realmSecret') return realmPasswordFiles(parsed.id as RealmId)[0];
  return FILE_OF_KIND[parsed.kind];
}

/**
 * Why: Proxmox checks a pve password with crypt(3) and a token secret by comparing it with
 * the line in priv/token.cfg; an argon2id hash or a salted HMAC (what Tessera's services
 * store) in those files would lock the user or token out of Proxmox while Tessera still
 * accepted them. Refused, naming the key, until the services write what Proxmox reads.
 */
export function assertProxmoxReadable(key: string, value: string): void {
  const kind = parseKey(key)?.kind;
  let unreadable: string | undefined;
  try {
    if (kind === 'password' && decodePassword(value).hash.startsWith('$argon2'))
      unreadable = 'an argon2 password hash (Proxmox checks priv/shadow.cfg with crypt(3))';
    if (kind === 'tokenSecret' && decodeSecret(value).startsWith('$hmac-sha256$'))
      unreadable = 'a hashed token secret (Proxmox compares the plain secret in priv/token.cfg)';
  } catch {
    unreadable = 'a value that cannot be read';
  }
  if (unreadable !== undefined)
    throw new TesseraError(
      'rejected',
      `'${key}': not writing ${unreadable} into ${fileOfKey(key) ?? 'a Proxmox file'}; ` +
        'set it with pveum while Tessera runs on /etc/pve',
      { field: 'store' },
    );
}

/**
 * The order Proxmox nests its locks in (domains.cfg, then user.cfg, then the files a user
 * change touches): taking them in the same order never deadlocks against pveum.
 */
const LOCK_ORDER = [
  'domains.cfg',
  'user.cfg',
  'priv/shadow.cfg',
  'priv/token.cfg',
  'priv/tfa.cfg',
  'datacenter.cfg',
];

/** The cfs lock ids to hold while writing `files`, in Proxmox's nesting order. */
export function locksFor(files: Iterable<string>): string[] {
  const locked = new Set<string>();
  for (const file of files)
    // A bind password is written under domains.cfg's lock, as Proxmox's realm API does.
    locked.add(file.startsWith('priv/realm/') ? 'domains.cfg' : file);
  return LOCK_ORDER.filter((file) => locked.has(file)).map(fileLockId);
}

/**
 * The content of each of `files` that `entries` (every file key, after the change) make,
 * as Proxmox writes them; `undefined` where the file is to be removed (a bind password of
 * a realm without one, datacenter.cfg when the store holds none).
 */
export function renderFiles(
  entries: ReadonlyMap<string, StoreEntry>,
  files: Iterable<string>,
): Map<string, string | undefined> {
  const config = assemble({ revision: 0, entries, diagnostics: [] });
  const out = new Map<string, string | undefined>();
  for (const file of files) {
    switch (file) {
      case 'user.cfg':
        out.set(file, serializeUserCfg(config.users));
        break;
      case 'domains.cfg':
        out.set(file, serializeDomainsCfg(config.domains));
        break;
      case 'priv/shadow.cfg':
        out.set(file, serializeShadowCfg(config.shadow));
        break;
      case 'priv/token.cfg':
        out.set(file, serializeTokenCfg(config.tokenSecrets));
        break;
      case 'priv/tfa.cfg':
        out.set(file, serializeTfaCfg(config.tfa));
        break;
      case 'datacenter.cfg':
        out.set(
          file,
          config.datacenter !== undefined ? serializeDatacenterCfg(config.datacenter) : undefined,
        );
        break;
      default: {
        const realm = /^priv\/realm\/(.+)\.pw$/.exec(file)?.[1] as RealmId | undefined;
        if (realm === undefined)
          throw new TesseraError('internal', `no Proxmox file '${file}' to write`);
        // As PVE::Auth::LDAP writes it: the password alone, no newline.
        const secret = config.realmSecrets.get(realm);
        out.set(file, secret);
      }
    }
  }
  return out;
}

/**
 * Prepares each file as a temporary file beside it (`<file>.tmp.<pid>`, as Proxmox's
 * file_set_contents names it) and returns the step that puts them in place: a rename
 * each, so a reader (pveum, pmxcfs's other nodes) sees the old file or the new one, never
 * half of one. Writing first fails early on a filesystem that takes no writes, before
 * anything else of the transaction is committed.
 */
export async function stageFiles(
  dir: string,
  contents: ReadonlyMap<string, string | undefined>,
): Promise<{ commit: () => Promise<void>; abort: () => Promise<void> }> {
  const staged: [string, string | undefined][] = [];
  const abort = async (): Promise<void> => {
    for (const [, temporary] of staged)
      if (temporary !== undefined) await unlink(temporary).catch(() => undefined);
  };
  try {
    for (const [file, content] of contents) {
      const path = join(dir, file);
      if (content === undefined) {
        staged.push([path, undefined]);
        continue;
      }
      const secret = file.startsWith('priv/');
      await mkdir(dirname(path), { recursive: true, mode: secret ? 0o700 : 0o755 });
      const temporary = `${path}.tmp.${String(process.pid)}`;
      staged.push([path, temporary]);
      await writeFile(temporary, content, { mode: secret ? 0o600 : 0o640 });
      await chmod(temporary, secret ? 0o600 : 0o640);
    }
  } catch (err) {
    await abort();
    throw writeError(dir, err);
  }
  return {
    abort,
    commit: async () => {
      for (const [path, temporary] of staged) {
        if (temporary === undefined) await unlink(path).catch(() => undefined);
        else await rename(temporary, path);
      }
    },
  };
}

function writeError(dir: string, err: unknown): TesseraError {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
    return new TesseraError(
      'store_read_only',
      `${dir} takes no writes (${code}): the node has no quorum`,
      { cause: err },
    );
  return new TesseraError(
    'store_unavailable',
    `cannot write to ${dir}: ${(err as Error).message}`,
    {
      cause: err,
    },
  );
}
