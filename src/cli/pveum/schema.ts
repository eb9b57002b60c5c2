/**
 * The parameters a pveum command takes: its operation's, except for pveum's own methods that
 * name a token by its user and name (`user token permissions <userid> <tokenid>`), which
 * take both as required arguments and hand the operation `userid` as `user@realm!name`.
 */
import type { Operation } from '../../api/operation.js';
import { parameterError } from '../../errors.js';
import { tokenNameError } from '../../model/ids.js';
import type { Schema } from '../../api/params.js';
import { TOKENID_DOC, USERID_DOC } from '../../api/routes/param-docs.js';
import type { PveumCommand } from './table.js';

/** Parameters whose values are secrets: never taken from the command line (`ps` shows it). */
export const SECRET_PARAMS: ReadonlySet<string> = new Set(['password']);

export function commandSchema(command: PveumCommand, operation: Operation): Schema {
  if (command.tokenOfUser !== true) return operation.schema;
  return {
    ...operation.schema,
    userid: { type: 'string', ...USERID_DOC },
    tokenid: { type: 'string', ...TOKENID_DOC },
  };
}

/** The operation's parameters from the command's. */
export function operationParams(
  command: PveumCommand,
  params: Readonly<Record<string, string>>,
): Record<string, string> {
  if (command.tokenOfUser !== true) return { ...params };
  const { tokenid, ...rest } = params;
  // Proxmox checks the name against its pattern before it joins it to the user.
  if (tokenid !== undefined && tokenNameError(tokenid) !== undefined)
    throw parameterError({ tokenid: 'value does not match the regex pattern' });
  return { ...rest, userid: `${rest['userid'] ?? ''}!${tokenid ?? ''}` };
}
