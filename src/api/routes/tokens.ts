/**
 * `/access/users/{userid}/token[/{tokenid}]`: a user's API tokens. The owner manages its own
 * tokens (with a ticket, not with a token); others need User.Modify through groups.
 */
import { parameterError, rejected } from '../../errors.js';
import { joinTokenId, tokenNameError, type TokenName, type UserId } from '../../model/ids.js';
import { splitList } from '../../model/text.js';
import type { Token } from '../../model/user-config.js';
import { createToken, deleteToken, mayManageTokens, updateToken } from '../../services/tokens.js';
import type { OperationContext, OperationRegistry } from '../operation.js';
import { parseChecked, type Schema } from '../params.js';
import { useridParam } from './users.js';
import { GENERATED_TOKEN, TOKEN_INFO, TOKEN_LIST } from './returns.js';
import {
  COMMENT_DOC,
  DELETE_SETTINGS_DOC,
  PRIVSEP_DOC,
  TOKEN_EXPIRE_DOC,
  TOKENID_DOC,
  USERID_DOC,
} from './param-docs.js';

function tokenName(value: string): TokenName {
  const error = tokenNameError(value);
  if (error !== undefined) throw parameterError({ tokenid: error });
  return value as TokenName;
}

/** `or(self, userid-group([User.Modify]))`; a token is never its owner. */
function mayManage<S extends Schema>(ctx: OperationContext<S>, userid: UserId): void {
  mayManageTokens(ctx.checks, userid);
}

/** The token name; when it is invalid, the permission refusal comes first, as in the reads. */
function checkedName<S extends Schema>(
  ctx: OperationContext<S>,
  userid: UserId,
  value: string,
): TokenName {
  return parseChecked(
    () => tokenName(value),
    () => {
      mayManage(ctx, userid);
    },
  );
}

function info(token: Token): Record<string, unknown> {
  return {
    ...(token.comment !== undefined ? { comment: token.comment } : {}),
    expire: token.expire,
    privsep: token.privsep ? 1 : 0,
  };
}

const USERID = { type: 'string', ...USERID_DOC } as const;
const TOKENID = { type: 'string', ...TOKENID_DOC } as const;

const FIELDS = {
  userid: USERID,
  tokenid: TOKENID,
  expire: { type: 'integer', optional: true, minimum: 0, ...TOKEN_EXPIRE_DOC },
  privsep: { type: 'boolean', optional: true, ...PRIVSEP_DOC },
  comment: { type: 'string', optional: true, maxLength: 2048, ...COMMENT_DOC },
} as const;

export function tokenOperations(api: OperationRegistry): void {
  api.operation(
    'GET',
    '/access/users/:userid/token',
    { userid: USERID },
    (ctx) => {
      const userid = useridParam(ctx.params.userid);
      mayManage(ctx, userid);
      if (!ctx.snapshot.users.users.has(userid)) throw rejected(`no such user ('${userid}')`);
      return [...ctx.snapshot.users.tokens.values()]
        .filter((t) => t.tokenid.startsWith(`${userid}!`))
        .map((t) => ({ tokenid: t.tokenid.slice(userid.length + 1), ...info(t) }));
    },
    { name: 'token_index', description: "Lists a user's API tokens.", returns: TOKEN_LIST },
  );

  api.operation(
    'GET',
    '/access/users/:userid/token/:tokenid',
    { userid: USERID, tokenid: TOKENID },
    (ctx) => {
      const userid = useridParam(ctx.params.userid);
      mayManage(ctx, userid);
      const token = ctx.snapshot.users.tokens.get(
        joinTokenId(userid, tokenName(ctx.params.tokenid)),
      );
      if (!token) throw rejected(`no such token '${ctx.params.tokenid}' for user '${userid}'`);
      return info(token);
    },
    { name: 'read_token', description: 'Shows one API token.' },
  );

  api.operation(
    'POST',
    '/access/users/:userid/token/:tokenid',
    FIELDS,
    async (ctx) => {
      const { params } = ctx;
      const userid = useridParam(params.userid);
      const name = checkedName(ctx, userid, params.tokenid);
      const created = await createToken(ctx.services, userid, name, {
        ...(params.expire !== undefined ? { expire: params.expire } : {}),
        ...(params.privsep !== undefined ? { privsep: params.privsep } : {}),
        ...(params.comment !== undefined ? { comment: params.comment } : {}),
      });
      return {
        'full-tokenid': created.tokenid,
        info: {
          ...(params.comment !== undefined ? { comment: params.comment } : {}),
          ...(params.expire !== undefined ? { expire: params.expire } : {}),
          privsep: created.token.privsep ? 1 : 0,
        },
        value: created.value,
      };
    },
    {
      name: 'generate_token',
      description: 'Creates an API token; its secret is shown this once only.',
      returns: GENERATED_TOKEN,
    },
  );

  api.operation(
    'PUT',
    '/access/users/:userid/token/:tokenid',
    {
      ...FIELDS,
      regenerate: {
        type: 'boolean',
        optional: true,
        default: 0,
        description:
          'Give the token a new secret, shown once; whatever used the old secret stops working.',
      },
      delete: { type: 'string', optional: true, ...DELETE_SETTINGS_DOC },
    },
    async (ctx) => {
      const { params } = ctx;
      const userid = useridParam(params.userid);
      const tokenid = joinTokenId(userid, checkedName(ctx, userid, params.tokenid));
      const deletions = splitList(params.delete);
      for (const name of deletions)
        if (name !== 'comment') {
          mayManage(ctx, userid);
          throw parameterError({ delete: `cannot delete property '${name}'` });
        }
      const result = await updateToken(ctx.services, tokenid, {
        ...(params.expire !== undefined ? { expire: params.expire } : {}),
        ...(params.privsep !== undefined ? { privsep: params.privsep } : {}),
        ...(params.comment !== undefined ? { comment: params.comment } : {}),
        ...(params.regenerate !== undefined ? { regenerate: params.regenerate } : {}),
        ...(deletions.length > 0 ? { delete: ['comment' as const] } : {}),
      });
      return {
        ...info(result.token),
        ...(result.value !== undefined ? { 'full-tokenid': tokenid, value: result.value } : {}),
      };
    },
    { name: 'update_token_info', description: 'Changes an API token.', returns: TOKEN_INFO },
  );

  api.operation(
    'DELETE',
    '/access/users/:userid/token/:tokenid',
    { userid: USERID, tokenid: TOKENID },
    async (ctx) => {
      const userid = useridParam(ctx.params.userid);
      const name = checkedName(ctx, userid, ctx.params.tokenid);
      await deleteToken(ctx.services, joinTokenId(userid, name));
      return null;
    },
    { name: 'remove_token', description: 'Deletes an API token.', returns: { type: 'null' } },
  );
}
