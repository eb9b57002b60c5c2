/**
 * `GET /access/tessera/explain`: why a user or token has (or lacks) a privilege on a path:
 * the deciding ACL entry, role, group or pool, as `tessera acl explain` prints it. Tessera's
 * own resource; for auditors (Sys.Audit on /access) and for callers asking about themselves.
 */
import { forbidden, parameterError } from '../../errors.js';
import { parseAclPath } from '../../model/acl-path.js';
import { asAuthid } from '../../model/ids.js';
import { isPrivilege } from '../../model/privileges.js';
import { explain } from '../../permissions/explain.js';
import { renderExplanation } from '../../permissions/explain-text.js';
import type { Api } from '../app.js';

export function explainRoutes(api: Api): void {
  api.route(
    'GET',
    '/access/tessera/explain',
    {
      authid: { type: 'string', maxLength: 128 },
      path: { type: 'string', maxLength: 256 },
      privilege: { type: 'string', maxLength: 64 },
    },
    ({ params, engine, caller, checks }) => {
      const authid = asAuthid(params.authid);
      if (authid === undefined) throw parameterError({ authid: 'not a user or token id' });
      const own = authid === caller.authid || authid.startsWith(`${caller.userid}!`);
      if (!own && !checks.has('/access', 'Sys.Audit')) throw forbidden('/access, Sys.Audit');
      let path;
      try {
        path = parseAclPath(params.path);
      } catch (err) {
        throw parameterError({ path: err instanceof Error ? err.message : 'invalid ACL path' });
      }
      if (!isPrivilege(params.privilege))
        throw parameterError({ privilege: `invalid privilege '${params.privilege}'` });
      const explanation = explain(engine, authid, path, params.privilege);
      return { ...explanation, text: renderExplanation(explanation) };
    },
  );
}
