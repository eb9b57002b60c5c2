/**
 * Opens a store from its `--store` URL. Without one, Tessera uses the embedded SQLite
 * database in its data directory. Each adapter is loaded only when its scheme is asked for:
 * a command on the SQLite store never loads the etcd client and its gRPC stack.
 */
import { dirname, join, resolve } from 'node:path';
import { invalid } from '../errors.js';
import type { ConfigStore } from './config-store.js';

export const STORE_SCHEMES = [
  'sqlite:<file>',
  'etcd://host:port[,host:port...]',
  'memory:',
  'pve-dir:<dir>[?state=<file>]',
] as const;

/**
 * Live on a Proxmox directory without `?state=`, Tessera's own keys go to this file in the
 * data directory, created by the first write.
 */
export const PVE_STATE_FILE = 'pve-state.db';

/** `$TESSERA_DATA_DIR`, or `./data`. */
export function dataDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env['TESSERA_DATA_DIR'];
  return resolve(dir !== undefined && dir !== '' ? dir : 'data');
}

export function defaultStoreUrl(env: NodeJS.ProcessEnv = process.env): string {
  return `sqlite:${join(dataDirectory(env), 'tessera.db')}`;
}

export async function openStore(url: string = defaultStoreUrl()): Promise<ConfigStore> {
  const [scheme, rest] = splitScheme(url);
  switch (scheme) {
    case 'pve-dir': {
      const [dir, query] = splitQuery(rest);
      if (dir === '')
        throw invalid('store', "pve-dir: expects a directory, as in 'pve-dir:/etc/pve'");
      const state = resolve(
        query === undefined ? join(dataDirectory(), PVE_STATE_FILE) : pveDirState(query),
      );
      const [{ LazyStore }, { SqliteStore }, { PveLiveStore }] = await Promise.all([
        import('./lazy-store.js'),
        import('./sqlite.js'),
        import('./pve-live.js'),
      ]);
      const sidecar = new LazyStore(state, () =>
        sealedStore(new SqliteStore(state), dirname(state)),
      );
      return new PveLiveStore(resolve(dir), sidecar);
    }
    case 'sqlite':
      if (rest === '')
        throw invalid(
          'store',
          "sqlite: expects a file, as in 'sqlite:/var/lib/tessera/tessera.db'",
        );
      return sealedStore(
        new (await import('./sqlite.js')).SqliteStore(resolve(rest)),
        dirname(resolve(rest)),
      );
    case 'etcd': {
      const hosts = rest.replace(/^\/\//, '').replace(/\/$/, '');
      if (hosts === '')
        throw invalid(
          'store',
          "etcd:// expects members, as in 'etcd://10.0.0.1:2379,10.0.0.2:2379'",
        );
      const { EtcdStore, parseEtcdHosts } = await import('./etcd.js');
      return sealedStore(new EtcdStore(parseEtcdHosts(hosts)), dataDirectory());
    }
    case 'memory':
      if (rest !== '') throw invalid('store', 'memory: takes nothing after the colon');
      return new (await import('./memory.js')).MemoryStore();
  }
  throw invalid('store', `unknown store '${url}': expected ${STORE_SCHEMES.join(', ')}`);
}

/**
 * Stores that persist keep their secrets sealed with a key outside them (sealed.ts); the
 * memory store persists nothing, and a Proxmox directory is read as Proxmox wrote it.
 */
export async function sealedStore(store: ConfigStore, keyDirectory: string): Promise<ConfigStore> {
  const [{ SealedStore }, { storeKeySource }] = await Promise.all([
    import('./sealed.js'),
    import('./store-key.js'),
  ]);
  return new SealedStore(store, storeKeySource(keyDirectory));
}

/** Where a `--store` URL points, without opening anything: for backup and restore. */
export type StoreLocation =
  | { readonly kind: 'sqlite'; readonly file: string }
  | { readonly kind: 'etcd'; readonly hosts: string }
  | { readonly kind: 'memory' | 'pve-dir' };

export function storeLocation(url: string = defaultStoreUrl()): StoreLocation {
  const [scheme, rest] = splitScheme(url);
  switch (scheme) {
    case 'sqlite':
      if (rest === '') break;
      return { kind: 'sqlite', file: resolve(rest) };
    case 'etcd': {
      const hosts = rest.replace(/^\/\//, '').replace(/\/$/, '');
      if (hosts === '') break;
      return { kind: 'etcd', hosts };
    }
    case 'memory':
    case 'pve-dir':
      return { kind: scheme };
  }
  throw invalid('store', `unknown store '${url}': expected ${STORE_SCHEMES.join(', ')}`);
}

/**
 * The etcd adapter itself, without the sealing wrapper: backup and restore move sealed values
 * as they are stored.
 */
export async function openEtcdUnsealed(hosts: string): Promise<ConfigStore> {
  const { EtcdStore, parseEtcdHosts } = await import('./etcd.js');
  return new EtcdStore(parseEtcdHosts(hosts));
}

/** The directory of a `pve-dir:` store (always written live), or `undefined`. */
export function liveProxmoxDir(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const [scheme, rest] = splitScheme(url);
  if (scheme !== 'pve-dir') return undefined;
  const [dir] = splitQuery(rest);
  return dir !== '' ? resolve(dir) : undefined;
}

function splitQuery(rest: string): [string, string | undefined] {
  const mark = rest.indexOf('?');
  return mark < 0 ? [rest, undefined] : [rest.slice(0, mark), rest.slice(mark + 1)];
}

/** `state=<file>`: where Tessera's own keys live beside a Proxmox directory written live. */
function pveDirState(query: string): string {
  const params = new URLSearchParams(query);
  for (const name of params.keys())
    if (name !== 'state')
      throw invalid('store', `pve-dir: unknown option '${name}': expected 'state=<file>'`);
  const state = params.get('state');
  if (state === null || state === '')
    throw invalid(
      'store',
      "pve-dir: 'state' expects a file, as in 'pve-dir:/etc/pve?state=/var/lib/tessera/state.db'",
    );
  return state;
}

function splitScheme(url: string): [string, string] {
  const colon = url.indexOf(':');
  return colon < 0 ? ['', url] : [url.slice(0, colon), url.slice(colon + 1)];
}
