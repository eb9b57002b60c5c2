/**
 * `tessera user tfa list|delete|unlock`, as pveum's: what an administrator on the node
 * needs when someone has lost a device or locked themselves out.
 */
import { invalid } from '../../errors.js';
import { asUserId, show, type UserId } from '../../model/ids.js';
import type { TfaUser } from '../../model/tfa.js';
import { NODE_ACTOR } from '../../services/actor.js';
import { storeSink } from '../../services/audit.js';
import { storeContext } from '../../services/context.js';
import { deleteTfaEntry } from '../../services/tfa-entries.js';
import { openStore } from '../../store/open.js';
import { arg, loadSnapshot, noMoreArgs, stringOption, type CommandContext } from '../context.js';
import { printJson, table } from '../output.js';

function userArg(ctx: CommandContext, index: number): UserId {
  const raw = arg(ctx, index, 'userid');
  const userid = asUserId(raw);
  if (userid === undefined) throw invalid('userid', `value '${show(raw)}' is not a valid user id`);
  return userid;
}

function rows(userid: string, user: TfaUser, now: number): string[][] {
  const entry = (
    type: string,
    e: { info: { id: string; description: string; created: number; enable: boolean } },
  ) => [
    userid,
    type,
    e.info.id,
    e.info.description,
    new Date(e.info.created * 1000).toISOString(),
    e.info.enable ? 'yes' : 'no',
  ];
  const locks = [
    ...(user.totpLocked ? ['TOTP locked'] : []),
    ...(user.tfaLockedUntil !== undefined && user.tfaLockedUntil > now
      ? [`locked until ${new Date(user.tfaLockedUntil * 1000).toISOString()}`]
      : []),
  ];
  return [
    ...user.totp.map((e) => entry('totp', e)),
    ...user.u2f.map((e) => entry('u2f', e)),
    ...user.webauthn.map((e) => entry('webauthn', e)),
    ...(user.recovery
      ? [
          [
            userid,
            'recovery',
            'recovery',
            `${String(user.recovery.entries.filter((k) => k !== null).length)} of ${String(user.recovery.entries.length)} keys left`,
            new Date(user.recovery.created * 1000).toISOString(),
            'yes',
          ],
        ]
      : []),
    ...user.yubico.map((e) => entry('yubico', e)),
    ...(locks.length > 0 ? [[userid, 'lock', '', locks.join(', '), '', '']] : []),
  ];
}

/** `user tfa list [<userid>]`. */
export async function tfaList(ctx: CommandContext): Promise<number> {
  const only = ctx.args.length > 0 ? userArg(ctx, 0) : undefined;
  noMoreArgs(ctx, 1);
  const snapshot = await loadSnapshot(ctx);
  const now = Math.floor(Date.now() / 1000);
  const users = [...snapshot.tfa.users].filter(([userid]) => only === undefined || userid === only);
  if (ctx.format !== 'text') {
    printJson(
      ctx.io,
      ctx.format,
      users.map(([userid, user]) => ({
        userid,
        totp: user.totp.map((e) => e.info),
        webauthn: user.webauthn.map((e) => e.info),
        yubico: user.yubico.map((e) => e.info),
        u2f: user.u2f.map((e) => e.info),
        ...(user.recovery
          ? { recovery: { left: user.recovery.entries.filter((k) => k !== null).length } }
          : {}),
        'totp-locked': user.totpLocked,
        ...(user.tfaLockedUntil !== undefined && user.tfaLockedUntil > now
          ? { 'tfa-locked-until': user.tfaLockedUntil }
          : {}),
      })),
    );
    return 0;
  }
  const all = users.flatMap(([userid, user]) => rows(userid, user, now));
  ctx.io.out(
    all.length === 0
      ? 'no second factors\n'
      : table(['User', 'Type', 'ID', 'Description', 'Created', 'Enabled'], all),
  );
  return 0;
}

/** `user tfa delete <userid> [--id <id>]`: without `--id`, every factor of the user. */
export async function tfaDelete(ctx: CommandContext): Promise<number> {
  const userid = userArg(ctx, 0);
  noMoreArgs(ctx, 1);
  const id = stringOption(ctx, 'id');
  const store = await openStore(ctx.storeUrl);
  try {
    const services = storeContext(store, { actor: NODE_ACTOR, audit: storeSink(store) });
    const user = (await services.read()).tfa.users.get(userid);
    const ids =
      id !== undefined
        ? [id]
        : [
            ...(user?.totp ?? []),
            ...(user?.u2f ?? []),
            ...(user?.webauthn ?? []),
            ...(user?.yubico ?? []),
          ]
            .map((e) => e.info.id)
            .concat(user?.recovery ? ['recovery'] : []);
    if (ids.length === 0) throw invalid('userid', `user '${userid}' has no second factors`);
    for (const each of ids) await deleteTfaEntry(services, userid, each);
    ctx.io.out(`deleted ${String(ids.length)} second factor(s) of ${userid}\n`);
    return 0;
  } finally {
    await store.close();
  }
}

/** `user tfa unlock <userid>`. */
