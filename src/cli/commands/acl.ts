/**
 * `tessera acl ...`: ACL commands.
 */
import { invalid } from '../../errors.js';
import { parseAclPath } from '../../model/acl-path.js';
import { asAuthid, show } from '../../model/ids.js';
import { isPrivilege } from '../../model/privileges.js';
import { PermissionEngine } from '../../permissions/engine.js';
import { explain } from '../../permissions/explain.js';
import { renderExplanation } from '../../permissions/explain-text.js';
import { arg, loadSnapshot, noMoreArgs, type CommandContext } from '../context.js';
import { printJson } from '../output.js';

/** `acl explain <authid> <path> <privilege>`: who or what decided the answer. */
export async function aclExplain(ctx: CommandContext): Promise<number> {
  const authid = arg(ctx, 0, 'userid');
  const pathText = arg(ctx, 1, 'path');
  const privilege = arg(ctx, 2, 'privilege');
  noMoreArgs(ctx, 3);
  if (asAuthid(authid) === undefined) {
    throw invalid('userid', `value '${show(authid)}' does not look like a valid user or token ID`);
  }
  const path = parseAclPath(pathText);
  if (!isPrivilege(privilege)) throw invalid('privilege', `invalid privilege '${show(privilege)}'`);
  const snapshot = await loadSnapshot(ctx);
  const engine = PermissionEngine.compile(snapshot.users);
  const explanation = explain(engine, authid, path, privilege);
  if (ctx.format === 'text') ctx.io.out(renderExplanation(explanation));
  else printJson(ctx.io, ctx.format, explanation);
  return 0;
}
