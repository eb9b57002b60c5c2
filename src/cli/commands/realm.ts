/**
 * `tessera realm sync <realm>`: the realm sync of the API, run on the node against the store
 * the command line names, as a task like Proxmox's `pveum realm sync` (it shows in the task
 * list of this host's node name); prints its log as it goes, ending in `TASK OK` or
 * `TASK ERROR: <reason>` (exit status 1).
 */
import { hostname } from 'node:os';
import { invalid } from '../../errors.js';
import { asRealmId } from '../../model/ids.js';
import { NODE_ACTOR } from '../../services/actor.js';
import { storeSink } from '../../services/audit.js';
import { storeContext } from '../../services/context.js';
import { checkRealmSync, syncRealm, type SyncRequest } from '../../services/realm-sync.js';
import { TaskManager } from '../../services/tasks/tasks.js';
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
  // Proxmox's deprecated spellings of remove-vanished, still accepted as pveum accepts them.
  const full = booleanText(ctx, 'full');
  const purge = booleanText(ctx, 'purge');
  const request: SyncRequest = {
    ...(full !== undefined ? { full } : {}),
    ...(purge !== undefined ? { purge } : {}),
    ...(scope !== undefined ? { scope } : {}),
    ...(removeVanished !== undefined ? { 'remove-vanished': removeVanished } : {}),
    ...(enableNew !== undefined ? { 'enable-new': enableNew } : {}),
    'dry-run': ctx.options['dry-run'] === true,
    force: ctx.options['force'] === true,
  };
  const store = await openStore(ctx.storeUrl);
  try {
    const services = storeContext(store, { actor: NODE_ACTOR, audit: storeSink(store) });
    await checkRealmSync(services, realm, request);
    const text = ctx.format === 'text';
    const log: string[] = [];
    const task = await new TaskManager(store, hostname()).start(
      {
        type: request['dry-run'] === true ? 'auth-realm-sync-test' : 'auth-realm-sync',
        id: realm,
        user: NODE_ACTOR.authid,
      },
      async (run) => {
        await syncRealm(services, realm, request, undefined, {
          say: (line) => {
            run.log(line);
          },
        });
      },
      (line) => {
        log.push(line);
        if (text) ctx.io.out(`${line}\n`);
      },
    );
    const ended = await task.finished;
    if (!text)
      printJson(ctx.io, ctx.format, {
        upid: task.upid,
        status: ended.status,
        log,
        'dry-run': request['dry-run'],
      });
    return ended.status === 'OK' ? 0 : 1;
  } finally {
    await store.close();
  }
}
