/**
 * API token authentication: `Authorization: PVEAPIToken=<user>@<realm>!<name>=<secret>`,
 * checked as Proxmox checks it, with its failure messages (for the audit log, never for the
 * client, who only hears `401 Authentication failed!`).
 */
import {
  asTokenId,
  splitTokenId,
  type TokenId,
  type TokenName,
  type UserId,
} from '../model/ids.js';
import type { AccessSnapshot } from '../store/snapshot.js';
import { AuthFailure } from '../errors.js';
import { verifyTokenSecret } from './token-secret.js';

/** The token value of an Authorization header, or `undefined` when it carries none. */
export function apiTokenFromHeader(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  // What clients send, on every request: the header holds the token and nothing else.
  const value =
    authorization.startsWith('PVEAPIToken=') && !authorization.includes(';')
      ? authorization.slice('PVEAPIToken='.length)
      : tokenInHeader(authorization);
  if (value === undefined) return undefined;
  // Almost never escaped; without a `%` decoding changes nothing.
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function tokenInHeader(authorization: string): string | undefined {
  const match = /(?:^|\s)PVEAPIToken(?:=| )([^;]*)/.exec(authorization);
  return match ? (match[1] ?? '') : undefined;
}

/** The user behind an id must exist, be enabled and not have expired. */
export function checkUserEnabled(snapshot: AccessSnapshot, userid: string, now: number): void {
  // The map holds valid ids only, so a string that is not one is simply not found there:
  // no need to check its syntax on every request first.
  const user = snapshot.users.users.get(userid as UserId);
  if (!user) throw new AuthFailure(`no such user ('${userid}')`, 'unknown_user');
  if (!user.enable) throw new AuthFailure(`user '${userid}' is disabled`, 'user_disabled');
  if (user.expire !== 0 && user.expire < now)
    throw new AuthFailure(`user '${userid}' access expired`, 'user_expired');
}

/** A token that authenticated, and its owner. */
export interface AuthenticatedToken {
  readonly tokenid: TokenId;
  readonly user: UserId;
}

/** Checks `<tokenid>=<secret>` and returns the token, or throws {@link AuthFailure}. */
export function authenticateApiToken(
  snapshot: AccessSnapshot,
  value: string,
  now: number,
): AuthenticatedToken {
  // A token is presented with every request: parsing and the HMAC are done once per value
  // and stored hash (bounded); the user, token and expiry checks run every time.
  const known = verifiedTokens.get(value);
  const tokenid = known?.tokenid ?? parseTokenValue(value);
  const { user, name } = known ?? splitTokenId(tokenid);
  checkUserEnabled(snapshot, user, now);
  const token = snapshot.users.tokens.get(tokenid);
  if (!token) throw new AuthFailure(`no such token '${name}' for user '${user}'`, 'token_unknown');
  if (token.expire !== 0 && token.expire < now)
    throw new AuthFailure(`token '${name}' access expired`, 'token_expired');
  const stored = snapshot.tokenSecrets.get(tokenid);
  if (stored === undefined) throw new AuthFailure('invalid token value!', 'token_invalid');
  if (known?.stored === stored) return known;
  if (!verifyTokenSecret(stored, value.slice(value.lastIndexOf('=') + 1)))
    throw new AuthFailure('invalid token value!', 'token_invalid');
  if (verifiedTokens.size >= 10_000) verifiedTokens.clear();
  const verified = { tokenid, user, name, stored };
  verifiedTokens.set(value, verified);
  return verified;
}

function parseTokenValue(value: string): TokenId {
  const split = value.lastIndexOf('=');
  if (split < 0) throw new AuthFailure('no tokenid specified', 'token_invalid');
  const tokenid = asTokenId(value.slice(0, split));
  if (tokenid === undefined)
    throw new AuthFailure(`'${value.slice(0, split)}' is not a valid token ID`, 'token_invalid');
  return tokenid;
}

interface VerifiedToken extends AuthenticatedToken {
  readonly name: TokenName;
  /** The stored hash the secret was checked against: any other one means check again. */
  readonly stored: string;
}

const verifiedTokens = new Map<string, VerifiedToken>();
