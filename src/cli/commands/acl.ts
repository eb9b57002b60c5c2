/**
 * `tessera acl ...`: ACL commands.
 */
import { invalid } from '../../errors.js';
import { parseAclPath } from '../../model/acl-path.js';
import { asAuthid, show } from '../../model/ids.js';
import { isPrivilege } from '../../model/privileges.js';
import { PermissionEngine } from '../../permissions/engine.js';
import { explain, type AssignmentRef, type Explanation } from '../../permissions/explain.js';
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

function ref(a: AssignmentRef): string {
  const member = a.type === 'group' ? `@${a.ugid}` : a.ugid;
  return `acl:${a.propagate ? 1 : 0}:${a.path}:${member}:${a.roleid}`;
}

export function renderExplanation(e: Explanation, indent = ''): string {
  const lines: string[] = [];
  lines.push(
    `${e.authid} on ${e.path}: ${e.privilege} is ${e.granted ? 'GRANTED' : 'DENIED'} (${e.verdict})`,
  );
  lines.push(e.summary);
  const levels = e.walk?.levels ?? [];
  if (levels.length > 0) {
    lines.push('', 'ACL entries that apply, from the root down (the deepest level decides):');
    levels.forEach((level, i) => {
      const mark = i === levels.length - 1 ? '  <- decides' : '';
      lines.push(
        `  ${level.path} (${level.source} entries${level.final ? ', the path itself' : ', inherited'})${mark}`,
      );
      for (const a of level.assignments) lines.push(`    ${ref(a)}`);
      for (const a of level.hiddenGroupAssignments)
        lines.push(`    ${ref(a)}  (hidden: user entries win over group entries at the same path)`);
    });
  }
  const skipped = e.walk?.notPropagated ?? [];
  if (skipped.length > 0) {
    lines.push('', 'Entries on parent paths that do not propagate:');
    for (const a of skipped) lines.push(`  ${ref(a)}`);
  }
  for (const pool of e.pools ?? []) {
    const roles = [...pool.roles.keys()];
    lines.push(
      '',
      `Member of pool '${pool.poolid}': ${roles.length > 0 ? `roles ${roles.join(', ')} on /pool/${pool.poolid}` : 'no roles on the pool'}`,
    );
  }
  if (e.owner) {
    lines.push('', 'Owner side of the privilege separation:');
    lines.push(renderExplanation(e.owner, '  ').trimEnd());
  }
  return lines.map((l) => (l === '' ? l : indent + l)).join('\n') + '\n';
}
