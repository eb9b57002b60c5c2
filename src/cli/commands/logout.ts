/**
 * `tessera user logout <userid>`: "log out everywhere" from the node's command line. Every
 * ticket issued to the user so far is refused from now on, by every node of the store.
 */
import { invalid } from '../../errors.js';
import { asUserId, show } from '../../model/ids.js';
import { NODE_ACTOR } from '../../services/actor.js';
import { storeSink } from '../../services/audit.js';
import { storeContext } from '../../services/context.js';
import { logoutEverywhere } from '../../services/sessions.js';
import { openStore } from '../../store/open.js';
import { arg, noMoreArgs, type CommandContext } from '../context.js';

export async function userLogout(ctx: CommandContext): Promise<number> {
  const raw = arg(ctx, 0, 'userid');
  noMoreArgs(ctx, 1);
  const userid = asUserId(raw);
  if (userid === undefined) throw invalid('userid', `value '${show(raw)}' is not a valid user id`);
  const store = await openStore(ctx.storeUrl);
  try {
    await logoutEverywhere(
      storeContext(store, { actor: NODE_ACTOR, audit: storeSink(store) }),
      userid,
    );
    ctx.io.out(`logged out ${userid} everywhere: tickets issued before now are refused\n`);
    return 0;
  } finally {
    await store.close();
  }
}
