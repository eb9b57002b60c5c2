/**
 * `tessera config get [<name>]` and `tessera config set <name> <value>`: Tessera's own
 * settings for the whole deployment (services/settings.ts).
 */
import { TesseraError } from '../../errors.js';
import { PASSWORD_HASH_SETTING } from '../../model/password-hash.js';
import { NODE_ACTOR } from '../../services/actor.js';
import { storeSink } from '../../services/audit.js';
import { storeContext } from '../../services/context.js';
import { parsePasswordHashKind, setPasswordHashKind, settingsOf } from '../../services/settings.js';
import { openStore } from '../../store/open.js';
import { arg, loadSnapshot, noMoreArgs, type CommandContext } from '../context.js';
import { printJson } from '../output.js';

function settingName(name: string): typeof PASSWORD_HASH_SETTING {
  if (name !== PASSWORD_HASH_SETTING)
    throw new TesseraError(
      'usage',
      `unknown setting '${name}': expected ${PASSWORD_HASH_SETTING}`,
      { field: 'name' },
    );
  return name;
}

/** `config get [<name>]`: one setting's value, or every setting as `name value` lines. */
export async function configGet(ctx: CommandContext): Promise<number> {
  const name = ctx.args[0] === undefined ? undefined : settingName(ctx.args[0]);
  noMoreArgs(ctx, 1);
  const settings = settingsOf(await loadSnapshot(ctx));
  if (ctx.format !== 'text')
    printJson(ctx.io, ctx.format, name === undefined ? settings : { [name]: settings[name] });
  else if (name !== undefined) ctx.io.out(`${settings[name] ?? ''}\n`);
  else for (const [key, value] of Object.entries(settings)) ctx.io.out(`${key} ${value}\n`);
  return 0;
}

/** `config set <name> <value>`. */
export async function configSet(ctx: CommandContext): Promise<number> {
  settingName(arg(ctx, 0, 'name'));
  const kind = parsePasswordHashKind(arg(ctx, 1, 'value'));
  noMoreArgs(ctx, 2);
  const store = await openStore(ctx.storeUrl);
  try {
    await setPasswordHashKind(
      storeContext(store, { actor: NODE_ACTOR, audit: storeSink(store) }),
      kind,
    );
    ctx.io.out(
      `${PASSWORD_HASH_SETTING} is ${kind}: new passwords, and the passwords of users as they ` +
        `log in, are hashed with ${kind}\n`,
    );
    return 0;
  } finally {
    await store.close();
  }
}
