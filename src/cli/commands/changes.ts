/**
 * `tessera changes [--user U] [--entity E] [--id I] [--since S] [--limit N]`: the audit
 * trail of configuration changes, from the events all nodes keep in the store.
 */
import { invalid } from '../../errors.js';
import { changeQuery, renderChanges } from '../../diagnostics/changes.js';
import { readChanges } from '../../diagnostics/events.js';
import { openStore } from '../../store/open.js';
import { noMoreArgs, stringOption, type CommandContext } from '../context.js';
import { printJson } from '../output.js';

export async function changesCommand(ctx: CommandContext): Promise<number> {
  noMoreArgs(ctx, 0);
  const limitText = stringOption(ctx, 'limit');
  if (limitText !== undefined && !/^\d+$/.test(limitText))
    throw invalid('limit', `expected a positive number, not '${limitText}'`);
  const query = changeQuery(
    {
      user: stringOption(ctx, 'user'),
      entity: stringOption(ctx, 'entity'),
      id: stringOption(ctx, 'id'),
      since: stringOption(ctx, 'since'),
      limit: limitText === undefined ? undefined : Number(limitText),
    },
    Date.now(),
  );
  const store = await openStore(ctx.storeUrl);
  try {
    const events = await readChanges(store, query);
    if (ctx.format === 'text') ctx.io.out(renderChanges(events));
    else printJson(ctx.io, ctx.format, events);
    return 0;
  } finally {
    await store.close();
  }
}
