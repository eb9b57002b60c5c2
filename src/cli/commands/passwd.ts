/**
 * `tessera passwd <userid>`: sets a `pve` user's password on the node, as the node's
 * administrator (root@pam), without the current one: the way back in when an
 * administrator's password is forgotten. Recorded in the audit trail; every ticket issued
 * to the user before is refused from then on, as after any password change.
 */
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../auth/password-limits.js';
import { invalid } from '../../errors.js';
import { asUserId, show } from '../../model/ids.js';
import { codePointLength } from '../../model/text.js';
import { NODE_ACTOR } from '../../services/actor.js';
import { storeSink } from '../../services/audit.js';
import { storeContext } from '../../services/context.js';
import { changePassword } from '../../services/users.js';
import { openStore } from '../../store/open.js';
import { arg, noMoreArgs, type CommandContext } from '../context.js';
import { readNewPassword } from '../password-input.js';

export async function passwd(ctx: CommandContext): Promise<number> {
  const raw = arg(ctx, 0, 'userid');
  noMoreArgs(ctx, 1);
  const userid = asUserId(raw);
  if (userid === undefined) throw invalid('userid', `value '${show(raw)}' is not a valid user id`);
  const password = await readNewPassword(ctx.io.err);
  const length = codePointLength(password);
  if (length < PASSWORD_MIN_LENGTH)
    throw invalid(
      'password',
      `value must be at least ${String(PASSWORD_MIN_LENGTH)} characters long`,
    );
  if (length > PASSWORD_MAX_LENGTH)
    throw invalid('password', `value may only be ${String(PASSWORD_MAX_LENGTH)} characters long`);
  const store = await openStore(ctx.storeUrl);
  try {
    await changePassword(
      storeContext(store, { actor: NODE_ACTOR, audit: storeSink(store) }),
      userid,
      password,
      undefined,
    );
    return 0;
  } finally {
    await store.close();
  }
}
