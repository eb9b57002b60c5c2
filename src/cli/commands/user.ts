/**
 * `tessera user ...`: user commands, shaped like pveum's.
 */
import { invalid } from '../../errors.js';
import { asAuthid, ROOT_USERID, show } from '../../model/ids.js';
import { permissionsFor, type PermissionMap } from '../../permissions/effective.js';
import { PermissionEngine } from '../../permissions/engine.js';
import { arg, loadSnapshot, noMoreArgs, stringOption, type CommandContext } from '../context.js';
import { formatApiResult } from '../format/api-result.js';
import { compareCodePoints } from '../format/perl-scalar.js';
import type { ApiValue } from '../format/types.js';
import { terminalOf } from '../output.js';

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
  const terminal = terminalOf(ctx.io);
  if (ctx.format !== 'text') {
    ctx.io.out(formatApiResult(data, { type: 'object' }, ctx.output, terminal));
  } else {
    ctx.io.out(formatApiResult(permissionRows(data), PERMISSION_TABLE, ctx.output, terminal));
    // pveum prints this line even with --quiet.
    ctx.io.out("Permissions marked with '(*)' have the 'propagate' flag set.\n");
  }
  return 0;
}

const PERMISSION_TABLE = {
  type: 'array',
  items: {
    type: 'object',
    properties: {
      path: { type: 'string', title: 'ACL path' },
      permissions: { type: 'string', title: 'Permissions' },
    },
  },
} as const;

/** pveum's text form: one row per path, its privileges one per line, sorted. */
function permissionRows(data: PermissionMap): ApiValue {
  const sorted = (o: object): string[] => Object.keys(o).sort(compareCodePoints);
  return sorted(data).map((path) => {
    const privileges = data[path] ?? {};
    const lines = sorted(privileges).map((p) => (privileges[p] ? `${p} (*)` : p));
    return { path, permissions: lines.join('\n') };
  });
}
