/**
 * `tessera user ...`: user commands, shaped like pveum's.
 */
import { invalid } from '../../errors.js';
import { asAuthid, ROOT_USERID, show } from '../../model/ids.js';
import { permissionsFor, type PermissionMap } from '../../permissions/effective.js';
import { PermissionEngine } from '../../permissions/engine.js';
import { arg, loadSnapshot, noMoreArgs, stringOption, type CommandContext } from '../context.js';
import { printJson, table } from '../output.js';

/**
 * `user permissions <authid> [--path <path>]`: exactly the `data` of
 * `GET /api2/json/access/permissions?userid=<authid>[&path=<path>]`, asked as root@pam.
 */
export async function userPermissions(ctx: CommandContext): Promise<number> {
  const authid = arg(ctx, 0, 'userid');
  noMoreArgs(ctx, 1);
  if (asAuthid(authid) === undefined) {
    throw invalid('userid', `value '${show(authid)}' does not look like a valid user or token ID`);
  }
  const path = stringOption(ctx, 'path');
  const snapshot = await loadSnapshot(ctx);
  const engine = PermissionEngine.compile(snapshot.users);
  const data = permissionsFor(
    engine,
    ROOT_USERID,
    path === undefined ? { userid: authid } : { userid: authid, path },
  );
  if (ctx.format === 'text') ctx.io.out(renderPermissions(data));
  else printJson(ctx.io, ctx.format, data);
  return 0;
}

function renderPermissions(data: PermissionMap): string {
  const rows = Object.entries(data).map(([path, privileges]) => {
    const list = Object.entries(privileges).map(([p, propagate]) => (propagate ? `${p} (*)` : p));
    return [path, list.length > 0 ? list.join(', ') : '(none)'];
  });
  if (rows.length === 0) return 'no permissions\n';
  return (
    table(['ACL path', 'Permissions'], rows) + '(*) = the privilege propagates to paths below\n'
  );
}
