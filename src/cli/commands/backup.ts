/**
 * `tessera backup <file>` and `tessera restore <file>`: a copy of the store at one revision,
 * and the store put back from one (docs/backup.md). Secrets stay sealed in the file; the
 * output names the store key that opens them, never the key itself.
 */
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { TesseraError } from '../../errors.js';
import { NODE_ACTOR } from '../../services/actor.js';
import { changeEvent, draft, storeSink } from '../../services/audit.js';
import type { ConfigStore } from '../../store/config-store.js';
import {
  dataDirectory,
  openEtcdUnsealed,
  storeLocation,
  type StoreLocation,
} from '../../store/open.js';
import { storeKeySource, type StoreKeySource } from '../../store/store-key.js';
import { arg, noMoreArgs, type CommandContext } from '../context.js';
import { printJson } from '../output.js';

function unsupported(location: StoreLocation): never {
  throw new TesseraError(
    'invalid_value',
    location.kind === 'pve-dir'
      ? "a pve-dir: store is Proxmox's /etc/pve: back it up with Proxmox's tools, and Tessera's own keys with --store sqlite:<state file>"
      : 'a memory: store lives in one process and has nothing to back up or restore',
    { field: 'store' },
  );
}

/** The store key the store at `location` uses, as every other command finds it. */
function keysOf(location: StoreLocation): StoreKeySource {
  return storeKeySource(location.kind === 'sqlite' ? dirname(location.file) : dataDirectory());
}

/** Records the event in the store; a store that takes no write now only loses the event. */
async function audit(
  ctx: CommandContext,
  store: ConfigStore,
  action: 'backup' | 'restore',
  file: string,
  fields: Record<string, number | string>,
): Promise<void> {
  const event = changeEvent(
    hostname(),
    NODE_ACTOR,
    draft('config', file, action, fields),
    'success',
    Date.now(),
  );
  try {
    await storeSink(store).record(event);
  } catch (err) {
    ctx.io.err(
      `tessera: warning: the ${action} is done, but its audit event was not recorded: ${err instanceof Error ? err.message : String(err)}\n`,
    );
  }
}

async function withStore<T>(
  location: StoreLocation,
  use: (store: ConfigStore) => Promise<T>,
): Promise<T> {
  let store: ConfigStore;
  if (location.kind === 'sqlite')
    store = new (await import('../../store/sqlite.js')).SqliteStore(location.file);
  else if (location.kind === 'etcd') store = await openEtcdUnsealed(location.hosts);
  else unsupported(location);
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

function keyNote(sealedWith: readonly string[], keys: StoreKeySource): string {
  if (sealedWith.length === 0) return 'it holds no sealed secrets\n';
  return (
    `its secrets stay sealed with store key ${sealedWith.join(', ')} (${keys.where}): ` +
    'keep that key apart from the backups; a restore, on this machine or another, needs it\n'
  );
}

/** `backup <file> [--force]`. */
export async function backupCommand(ctx: CommandContext): Promise<number> {
  noMoreArgs(ctx, 1);
  const file = resolve(arg(ctx, 0, 'file'));
  const force = ctx.options['force'] === true;
  const location = storeLocation(ctx.storeUrl);
  const { backupSqliteStore, backupStore } = await import('../../store/backup.js');
  const result =
    location.kind === 'sqlite'
      ? await backupSqliteStore(location.file, file, { force })
      : await withStore(location, (store) => backupStore(store, file, { force }));
  const url =
    location.kind === 'sqlite'
      ? `sqlite:${location.file}`
      : `etcd://${location.kind === 'etcd' ? location.hosts : ''}`;
  await withStore(location, (store) =>
    audit(ctx, store, 'backup', file, { revision: result.revision, keys: result.keys }),
  );
  const keys = keysOf(location);
  if (ctx.format === 'text')
    ctx.io.out(
      `backed up revision ${String(result.revision)} of ${url} (${String(result.keys)} keys) to ${file}\n` +
        `sha256 ${result.sha256}\n` +
        keyNote(result.sealedWith, keys),
    );
  else
    printJson(ctx.io, ctx.format, {
      file,
      store: url,
      revision: result.revision,
      keys: result.keys,
      sha256: result.sha256,
      sealedWith: result.sealedWith,
      storeKey: keys.where,
    });
  return 0;
}

/** `restore <file> [--force]`. */
export async function restoreCommand(ctx: CommandContext): Promise<number> {
  noMoreArgs(ctx, 1);
  const file = resolve(arg(ctx, 0, 'file'));
  const force = ctx.options['force'] === true;
  const location = storeLocation(ctx.storeUrl);
  const keys = keysOf(location);
  const { restoreSqlite, restoreStore } = await import('../../store/restore.js');
  let url: string;
  let result;
  if (location.kind === 'sqlite') {
    url = `sqlite:${location.file}`;
    result = await restoreSqlite(file, location.file, { force, keys });
  } else {
    url = '';
    result = await withStore(location, (store) => {
      url = store.url;
      return restoreStore(file, store, { force, keys });
    });
  }
  await withStore(location, (store) =>
    audit(ctx, store, 'restore', file, { revision: result.revision, keys: result.keys }),
  );
  if (ctx.format === 'text')
    ctx.io.out(
      `restored revision ${String(result.revision)} (${String(result.keys)} keys) from ${file} into ${url}` +
        (result.replaced > 0
          ? `, replacing a configuration of ${String(result.replaced)} key(s)`
          : '') +
        '\n' +
        (result.sealedWith.length > 0
          ? `its secrets open with store key ${result.sealedWith.join(', ')} (${keys.where})\n`
          : ''),
    );
  else
    printJson(ctx.io, ctx.format, {
      file,
      store: url,
      revision: result.revision,
      keys: result.keys,
      storeRevision: result.storeRevision,
      replaced: result.replaced,
      sealedWith: result.sealedWith,
      storeKey: keys.where,
    });
  return 0;
}
