/**
 * The first start on an empty store (see first-start.ts for what it writes), with a random
 * password for the bootstrap administrator that is returned once (the caller shows it and
 * writes it to an owner-only file).
 */
import { randomBytes } from 'node:crypto';
import { hashPassword, verifyPassword } from '../auth/password.js';
import { splitUserId } from '../model/ids.js';
import { commit, type ServiceContext } from './context.js';
import { BOOTSTRAP_ADMIN, firstStartEntries, isUnconfigured } from './first-start.js';

export { BOOTSTRAP_ADMIN, isUnconfigured } from './first-start.js';

/** Sets up an empty store; returns the administrator's password, or `undefined` if not empty. */
export async function bootstrap(ctx: ServiceContext): Promise<string | undefined> {
  const snapshot = await ctx.read();
  if (!isUnconfigured(snapshot)) return undefined;
  // 24 characters from a 64-letter alphabet: 144 bits.
  const password = randomBytes(18).toString('base64url');
  // A deployment may choose its hash before the first start (`config set password-hash`).
  const entries = firstStartEntries(await hashPassword(password, undefined, snapshot.passwordHash));
  return commit(ctx, 'bootstrap failed', (changes) => {
    if (!isUnconfigured(changes.snapshot)) return undefined;
    for (const [key, value] of entries) changes.put(key, value);
    return password;
  });
}

/**
 * Whether `password` still logs the bootstrap administrator in: after it was changed, the
 * password the first start printed is of no use and its file only a stale secret.
 */
export async function isBootstrapPassword(ctx: ServiceContext, password: string): Promise<boolean> {
  const snapshot = await ctx.read();
  const stored = snapshot.shadow.get(splitUserId(BOOTSTRAP_ADMIN).name);
  if (stored === undefined || !snapshot.users.users.has(BOOTSTRAP_ADMIN)) return false;
  return (await verifyPassword(stored, password)).ok;
}
