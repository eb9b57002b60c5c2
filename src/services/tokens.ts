/**
 * API tokens (`user@realm!name`). The secret is shown once, when it is made; the store
 * keeps only its salted hash, under `secrets/tokens/`, apart from the token's public entry.
 */
import { TesseraError } from '../errors.js';
import { joinTokenId, type TokenId, type TokenName, type UserId } from '../model/ids.js';
import type { Token } from '../model/user-config.js';
import { generateTokenSecret, hashTokenSecret } from '../auth/token-secret.js';
import { encodeSecret, encodeToken, KEYS } from '../store/codec.js';
import { removeMembersFromAcl } from './acl.js';
import { commit, refuse, type Changes, type ServiceContext } from './context.js';
import { expiry, text } from './fields.js';
import { requireUser } from './users.js';

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
  const fields = checkFields(input);
  const tokenid = joinTokenId(userid, name);
  const value = generateTokenSecret();
  return commit(ctx, 'create token failed', (changes) => {
    requireUser(changes.snapshot, userid);
    changes.expect(KEYS.user(userid));
    if (changes.snapshot.users.tokens.has(tokenid))
      throw new TesseraError('invalid_value', 'Token already exists.', { field: 'tokenid' });
    const token: Token = { tokenid, expire: 0, privsep: true, ...fields };
    changes.put(KEYS.token(tokenid), encodeToken(token));
    changes.put(KEYS.tokenSecret(tokenid), encodeSecret(hashTokenSecret(value)));
    return { tokenid, token, value };
  });
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
  const fields = checkFields(input);
  const value = input.regenerate === true ? generateTokenSecret() : undefined;
  return commit(ctx, 'update token failed', (changes) => {
    const current = requireToken(changes, tokenid);
    const base: Token = input.delete?.includes('comment')
      ? { tokenid, expire: current.expire, privsep: current.privsep }
      : current;
    const token: Token = { ...base, ...fields };
    changes.put(KEYS.token(tokenid), encodeToken(token));
    if (value !== undefined)
      changes.put(KEYS.tokenSecret(tokenid), encodeSecret(hashTokenSecret(value)));
    return value !== undefined ? { token, value } : { token };
  });
}

export async function deleteToken(ctx: ServiceContext, tokenid: TokenId): Promise<void> {
  return commit(ctx, 'delete token failed', (changes) => {
    requireToken(changes, tokenid);
    deleteTokenEntities(changes, tokenid);
    removeMembersFromAcl(changes, { tokens: [tokenid] });
  });
}

function requireToken(changes: Changes, tokenid: TokenId): Token {
  const token = changes.snapshot.users.tokens.get(tokenid);
  if (!token) throw refuse(`no such token '${tokenid}'`, 'tokenid');
  return token;
}

/** The token's entry and secret (its ACL entries are the caller's to remove). */
export function deleteTokenEntities(changes: Changes, tokenid: TokenId): void {
  changes.delete(KEYS.token(tokenid));
  if (changes.snapshot.revisions.has(KEYS.tokenSecret(tokenid)))
    changes.delete(KEYS.tokenSecret(tokenid));
}
