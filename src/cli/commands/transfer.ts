/**
 * `tessera import` and `tessera export`: move a configuration between a Proxmox directory
 * and a store.
 */
import { TesseraError } from '../../errors.js';
import { formatDiagnostic } from '../../formats/diagnostics.js';
import { NODE_ACTOR } from '../../services/actor.js';
import { storeSink } from '../../services/audit.js';
import { storeContext } from '../../services/context.js';
import { BOOTSTRAP_ADMIN } from '../../services/first-start.js';
import { exportPveDir, importPveDir } from '../../services/transfer.js';
import { assemble } from '../../store/assemble.js';
import { openStore } from '../../store/open.js';
import { noMoreArgs, stringOption, type CommandContext } from '../context.js';
import { printJson } from '../output.js';

function pveDir(ctx: CommandContext): string {
  const dir = stringOption(ctx, 'pve-dir');
  if (dir === undefined || dir === '')
    throw new TesseraError('usage', 'missing --pve-dir <dir> (for example --pve-dir /etc/pve)', {
      field: 'pve-dir',
    });
  return dir;
}

/** `import --pve-dir <dir> [--replace]`. */
export async function importCommand(ctx: CommandContext): Promise<number> {
  noMoreArgs(ctx, 0);
  const dir = pveDir(ctx);
  const store = await openStore(ctx.storeUrl);
  try {
    const result = await importPveDir(store, dir, {
      replace: ctx.options['replace'] === true,
      audit: storeContext(store, { actor: NODE_ACTOR, audit: storeSink(store) }),
    });
    for (const warning of result.warnings) ctx.io.err(`${formatDiagnostic(warning)}\n`);
    if (ctx.format === 'text')
      ctx.io.out(
        `imported ${String(result.entities)} entities from ${dir} into ${store.url} ` +
          `at revision ${String(result.revision)}\n` +
          (result.keptBootstrapAdmin
            ? `kept the bootstrap administrator ${BOOTSTRAP_ADMIN} (Administrator on /, same password)\n`
            : '') +
          (result.clusterKeys !== undefined
            ? `took the cluster's ticket keys (authkey.pub of ${new Date(result.clusterKeys.created * 1000).toISOString()}) and pve-www.key: tickets are shared with the cluster until it rotates its key; follow it with 'serve --pve-keys ${dir}'\n`
            : ''),
      );
    else printJson(ctx.io, ctx.format, { ...result, store: store.url });
    return 0;
  } finally {
    await store.close();
  }
}

/** `export --pve-dir <dir> [--force] [--allow-lockout]`. */
export async function exportCommand(ctx: CommandContext): Promise<number> {
  noMoreArgs(ctx, 0);
  const dir = pveDir(ctx);
  const store = await openStore(ctx.storeUrl);
  try {
    const snapshot = assemble(await store.snapshot());
    const result = await exportPveDir(snapshot, dir, {
      force: ctx.options['force'] === true,
      allowLockout: ctx.options['allow-lockout'] === true,
    });
    for (const warning of result.warnings) ctx.io.err(`tessera: warning: ${warning}\n`);
    const files = [...result.files.keys()];
    if (ctx.format === 'text')
      ctx.io.out(
        `exported revision ${String(snapshot.revision)} of ${store.url} to ${dir}: ${files.join(', ')}\n`,
      );
    else
      printJson(ctx.io, ctx.format, {
        revision: snapshot.revision,
        files,
        warnings: result.warnings,
        lockedOut: result.lockedOut,
      });
    return 0;
  } finally {
    await store.close();
  }
}
