/**
 * `tessera user tfa list|delete|unlock`, as pveum's: what an administrator on the node
 * needs when someone has lost a device or locked themselves out.
 */
import { invalid } from '../../errors.js';
import { asUserId, show, type UserId } from '../../model/ids.js';
import { listTfaEntries, type TfaListEntry } from '../../model/tfa.js';
import { NODE_ACTOR } from '../../services/actor.js';
import { storeSink } from '../../services/audit.js';
import { storeContext } from '../../services/context.js';
import { deleteTfaEntry } from '../../services/tfa-entries.js';
import { openStore } from '../../store/open.js';
import { arg, loadSnapshot, noMoreArgs, stringOption, type CommandContext } from '../context.js';
import { compareCodePoints } from '../format/perl-scalar.js';
import { printJson } from '../output.js';

function userArg(ctx: CommandContext, index: number): UserId {
  const raw = arg(ctx, index, 'userid');
  const userid = asUserId(raw);
  if (userid === undefined) throw invalid('userid', `value '${show(raw)}' is not a valid user id`);
  return userid;
}

/** pveum's lines for one user's factors: type and id, then the description, indented. */
function formatEntries(entries: readonly TfaListEntry[], indent = ''): string {
  return entries
    .map((e) => `${indent}${`${e.type}:`.padEnd(9)} ${e.id}\n${indent}    ${e.description ?? ''}\n`)
    .join('\n');
}

/** `user tfa list [<userid>]`, printed as pveum prints it. */
export async function tfaList(ctx: CommandContext): Promise<number> {
  const only = ctx.args.length > 0 ? userArg(ctx, 0) : undefined;
  noMoreArgs(ctx, 1);
  const snapshot = await loadSnapshot(ctx);
  if (only !== undefined) {
    const entries = listTfaEntries(snapshot.tfa.users.get(only));
    if (ctx.format !== 'text') printJson(ctx.io, ctx.format, entries);
    else ctx.io.out(formatEntries(entries));
    return 0;
  }
  const users = [...snapshot.tfa.users]
    .map(([userid, user]) => ({ userid, entries: listTfaEntries(user) }))
    .sort((a, b) => compareCodePoints(a.userid, b.userid));
  if (ctx.format !== 'text') printJson(ctx.io, ctx.format, users);
  else
    ctx.io.out(
      users
        .map(({ userid, entries }) => `${userid}:\n${formatEntries(entries, '    ')}`)
        .join('\n'),
    );
  return 0;
}

/**
 * `user tfa delete <userid> [--id <id>]`: without `--id`, every factor of the user. Silent,
 * as pveum's.
 */
export async function tfaDelete(ctx: CommandContext): Promise<number> {
  const userid = userArg(ctx, 0);
  noMoreArgs(ctx, 1);
  const id = stringOption(ctx, 'id');
  const store = await openStore(ctx.storeUrl);
  try {
    const services = storeContext(store, { actor: NODE_ACTOR, audit: storeSink(store) });
    const ids =
      id !== undefined
        ? [id]
        : listTfaEntries((await services.read()).tfa.users.get(userid)).map((e) => e.id);
    for (const each of ids) await deleteTfaEntry(services, userid, each);
    return 0;
  } finally {
    await store.close();
  }
}
