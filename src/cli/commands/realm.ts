/**
 * `tessera realm sync <realm>`: the realm sync of the API, run on the node against the store
 * the command line names; prints what changed (or would change, with `--dry-run`).
 */
import { invalid } from '../../errors.js';
import { asRealmId } from '../../model/ids.js';
import { NODE_ACTOR } from '../../services/actor.js';
import { storeSink } from '../../services/audit.js';
import { storeContext } from '../../services/context.js';
import { syncRealm } from '../../services/realm-sync.js';
import { openStore } from '../../store/open.js';
import { arg, noMoreArgs, stringOption, type CommandContext } from '../context.js';
import { printJson } from '../output.js';

function booleanText(ctx: CommandContext, name: string): boolean | undefined {
  const value = stringOption(ctx, name);
  if (value === undefined) return undefined;
  if (value === '1' || value === 'yes' || value === 'true') return true;
  if (value === '0' || value === 'no' || value === 'false') return false;
  throw invalid(name, `expected 0 or 1, not '${value}'`);
}

export async function realmSync(ctx: CommandContext): Promise<number> {
  const raw = arg(ctx, 0, 'realm');
  noMoreArgs(ctx, 1);
  const realm = asRealmId(raw);
  if (realm === undefined) throw invalid('realm', `'${raw}' is not a valid realm id`);
  const scope = stringOption(ctx, 'scope');
  const removeVanished = stringOption(ctx, 'remove-vanished');
  const enableNew = booleanText(ctx, 'enable-new');
  const store = await openStore(ctx.storeUrl);
  try {
    const report = await syncRealm(
      storeContext(store, { actor: NODE_ACTOR, audit: storeSink(store) }),
      realm,
      {
        ...(scope !== undefined ? { scope } : {}),
        ...(removeVanished !== undefined ? { 'remove-vanished': removeVanished } : {}),
        ...(enableNew !== undefined ? { 'enable-new': enableNew } : {}),
        'dry-run': ctx.options['dry-run'] === true,
        force: ctx.options['force'] === true,
      },
    );
    if (ctx.format === 'text') ctx.io.out(`${report.log.join('\n')}\n`);
    else printJson(ctx.io, ctx.format, { log: report.log, 'dry-run': report.dryRun });
    return 0;
  } finally {
    await store.close();
  }
}
