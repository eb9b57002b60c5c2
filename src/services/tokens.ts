/**
 * API tokens (`user@realm!name`). The secret is shown once, when it is made; the store
 * keeps only its salted hash, under `secrets/tokens/`, apart from the token's public entry.
 * The owner manages its own tokens (by ticket: a token is never its owner); others need
 * `User.Modify` through the owner's groups.
 */
import { forbidden, parameterError, rejected, TesseraError } from '../errors.js';
import {
  joinTokenId,
  ownerOf,
  splitTokenId,
  type TokenId,
  type TokenName,
  type UserId,
} from '../model/ids.js';
import type { Token, UserConfig } from '../model/user-config.js';
import { generateTokenSecret, hashTokenSecret } from '../auth/token-secret.js';
import { encodeSecret, encodeToken, KEYS } from '../store/codec.js';
import { removeMembersFromAcl } from './acl.js';
import { draft, SECRET_CHANGED, type ChangeDraft } from './audit.js';
import { authorize, type Authorization } from './authorize.js';
import { audited, commit, refuse, type Changes, type ServiceContext } from './context.js';
import { deleteTokenEntities, requireUser } from './entities.js';
import { expiry, text } from './fields.js';

export { deleteTokenEntities } from './entities.js';

/** `or(self, userid-group([User.Modify]))`, with Proxmox's bare 403. */
export function mayManageTokens(auth: Authorization, userid: UserId): void {
  if (auth.isSelf(userid)) return;
  try {
    auth.useridGroup(['User.Modify'], userid);
  } catch {
    throw forbidden();
  }
}

/**
 * Changing another user's tokens also needs every privilege that user holds: the secret
 * of a new or regenerated token lets the actor act as the owner (docs/compatibility.md).
 */
function mayChangeTokens(auth: Authorization, userid: UserId): void {
  mayManageTokens(auth, userid);
  auth.holdsAtLeast(userid);
}

export interface TokenFields {
  readonly expire?: number;
  readonly privsep?: boolean;
  readonly comment?: string;
}

export interface NewTokenSecret {
  readonly tokenid: TokenId;
  readonly token: Token;
  /** Shown once; Tessera cannot show it again. */
  readonly value: string;
}

function checkFields(fields: TokenFields): TokenFields {
  const expire = expiry('expire', fields.expire);
  const comment = text('comment', fields.comment, 2048);
  return {
    ...(expire !== undefined ? { expire } : {}),
    ...(fields.privsep !== undefined ? { privsep: fields.privsep } : {}),
    ...(comment !== undefined ? { comment } : {}),
  };
}

export async function createToken(
  ctx: ServiceContext,
  userid: UserId,
  name: TokenName,
  input: TokenFields = {},
): Promise<NewTokenSecret> {
  const tokenid = joinTokenId(userid, name);
  const change = draft('token', tokenid, 'create', {
    expire: input.expire,
    privsep: input.privsep,
    comment: input.comment,
  });
  return audited(ctx, change, async () => {
    mayChangeTokens(await authorize(ctx), userid);
    // Proxmox looks before it locks: these answers carry no "failed" prefix.
    const { users } = await ctx.read();
    if (!users.users.has(userid)) throw rejected(`no such user ('${userid}')`);
    if (users.tokens.has(tokenid)) throw parameterError({ tokenid: 'Token already exists.' });
    return insertToken(ctx, userid, tokenid, input, change);
  });
}

async function insertToken(
  ctx: ServiceContext,
  userid: UserId,
  tokenid: TokenId,
  input: TokenFields,
  change: ChangeDraft,
): Promise<NewTokenSecret> {
  const fields = checkFields(input);
  const value = generateTokenSecret();
  return commit(
    ctx,
    'generating token failed',
    (changes) => {
      requireUser(changes.snapshot, userid);
      changes.expect(KEYS.user(userid));
      if (changes.snapshot.users.tokens.has(tokenid))
        throw new TesseraError('invalid_value', 'Token already exists.', { field: 'tokenid' });
      const token: Token = { tokenid, expire: 0, privsep: true, ...fields };
      changes.put(KEYS.token(tokenid), encodeToken(token));
      changes.put(KEYS.tokenSecret(tokenid), encodeSecret(storedSecret(ctx, value)));
      return { tokenid, token, value };
    },
    change,
  );
}

export interface UpdateToken extends TokenFields {
  /** Replace the secret; the new one is returned. */
  readonly regenerate?: boolean;
  /** Only `comment` can be cleared. */
  readonly delete?: readonly 'comment'[];
}

export async function updateToken(
  ctx: ServiceContext,
  tokenid: TokenId,
  input: UpdateToken,
): Promise<{ token: Token; value?: string }> {
  const regenerate = input.regenerate === true;
  const change = draft('token', tokenid, regenerate ? 'regenerate' : 'update', {
    expire: input.expire,
    privsep: input.privsep,
    comment: input.comment,
    delete: input.delete,
    secret: regenerate ? SECRET_CHANGED : undefined,
  });
  return audited(ctx, change, async () => {
    mayChangeTokens(await authorize(ctx), ownerOf(tokenid));
    tokenOf((await ctx.read()).users, tokenid, rejected);
    return changeToken(ctx, tokenid, input, change);
  });
}

async function changeToken(
  ctx: ServiceContext,
  tokenid: TokenId,
  input: UpdateToken,
  change: ChangeDraft,
): Promise<{ token: Token; value?: string }> {
  const fields = checkFields(input);
  const value = input.regenerate === true ? generateTokenSecret() : undefined;
  return commit(
    ctx,
    'updating token info failed',
    (changes) => {
      const current = requireToken(changes, tokenid);
      const base: Token = input.delete?.includes('comment')
        ? { tokenid, expire: current.expire, privsep: current.privsep }
        : current;
      const token: Token = { ...base, ...fields };
      changes.put(KEYS.token(tokenid), encodeToken(token));
      if (value !== undefined)
        changes.put(KEYS.tokenSecret(tokenid), encodeSecret(storedSecret(ctx, value)));
      return value !== undefined ? { token, value } : { token };
    },
    change,
  );
}

export async function deleteToken(ctx: ServiceContext, tokenid: TokenId): Promise<void> {
  const change = draft('token', tokenid, 'delete');
  return audited(ctx, change, async () => {
    mayChangeTokens(await authorize(ctx), ownerOf(tokenid));
    tokenOf((await ctx.read()).users, tokenid, rejected);
    await commit(
      ctx,
      'deleting token failed',
      (changes) => {
        requireToken(changes, tokenid);
        deleteTokenEntities(changes, tokenid);
        removeMembersFromAcl(changes, { tokens: [tokenid] });
      },
      change,
    );
  });
}

function requireToken(changes: Changes, tokenid: TokenId): Token {
  return tokenOf(changes.snapshot.users, tokenid, (message) => refuse(message, 'tokenid'));
}

/** The token, or Proxmox's check_token_exist answer: no such user, or no such token. */
function tokenOf(
  config: UserConfig,
  tokenid: TokenId,
  refusal: (message: string) => TesseraError,
): Token {
  const { user, name } = splitTokenId(tokenid);
  if (!config.users.has(user)) throw refusal(`no such user ('${user}')`);
  const token = config.tokens.get(tokenid);
  if (!token) throw refusal(`no such token '${name}' for user '${user}'`);
  return token;
}

/** A token secret as the store keeps it: hashed, or plain where Proxmox's files need it. */
function storedSecret(ctx: ServiceContext, value: string): string {
  return ctx.store.plainTokenSecrets === true ? value : hashTokenSecret(value);
}
