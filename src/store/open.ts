/**
 * Opens a store from its `--store` URL.
 */
import { resolve } from 'node:path';
import { invalid } from '../errors.js';
import { PveDirStore } from './pve-dir.js';
import type { SnapshotSource } from './snapshot.js';

export const STORE_SCHEMES = ['pve-dir:<dir>'] as const;

export function openStore(url: string): SnapshotSource {
  if (url.startsWith('pve-dir:')) {
    const dir = url.slice('pve-dir:'.length);
    if (dir === '')
      throw invalid('store', "pve-dir: expects a directory, as in 'pve-dir:/etc/pve'");
    return new PveDirStore(resolve(dir));
  }
  throw invalid('store', `unknown store '${url}': expected ${STORE_SCHEMES.join(' or ')}`);
}
