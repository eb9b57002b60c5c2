/**
 * An explanation in words and ACL lines, as `tessera acl explain` prints it and the API's
 * explain answer carries it.
 */
import type { AssignmentRef, Explanation } from './explain.js';

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
