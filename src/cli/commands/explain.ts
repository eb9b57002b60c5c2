/**
 * `tessera explain <userid> [--since 2h]`: why a user's recent logins failed, in plain words
 * with the next step, from the events all nodes keep in the store.
 */
import { invalid } from '../../errors.js';
import { explainEvents, parseSince, renderExplained } from '../../diagnostics/explain-logins.js';
import { readEvents } from '../../diagnostics/events.js';
import { openStore } from '../../store/open.js';
import { arg, noMoreArgs, stringOption, type CommandContext } from '../context.js';
import { printJson } from '../output.js';

export async function explainLogins(ctx: CommandContext): Promise<number> {
  const user = arg(ctx, 0, 'userid');
  noMoreArgs(ctx, 1);
  const sinceText = stringOption(ctx, 'since') ?? '24h';
  const since = parseSince(sinceText, Date.now());
  if (since === undefined)
    throw invalid('since', `expected 30m, 2h, 7d or an ISO date, not '${sinceText}'`);
  const store = await openStore(ctx.storeUrl);
  try {
    const events = explainEvents(await readEvents(store, { user, since }));
    if (ctx.format === 'text') ctx.io.out(renderExplained(user, events));
    else printJson(ctx.io, ctx.format, events);
    return 0;
  } finally {
    await store.close();
  }
}
