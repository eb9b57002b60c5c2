/**
 * What the web interface tells the logged-in user about the first start's way in
 * (`GET /access/tessera/notices`): the bootstrap administrator that its password is still the
 * printed one, and administrators that the file holding it is still in the data directory.
 * Each notice is decided for the caller alone and says nothing about anyone else.
 */
import { readFile } from 'node:fs/promises';
import type { ServiceContext } from './context.js';
import { authorize } from './authorize.js';
import { BOOTSTRAP_ADMIN, isBootstrapPassword } from './bootstrap.js';
import { splitUserId } from '../model/ids.js';
import type { TfaUser } from '../model/tfa.js';

export type Notice =
  | { readonly code: 'bootstrap_password' }
  /** The bootstrap administrator, an administrator of everything, has no second factor. */
  | { readonly code: 'second_factor' }
  | {
      readonly code: 'bootstrap_password_file';
      readonly file: string;
      /** The file still logs the bootstrap administrator in (else it is only a stale secret). */
      readonly valid: boolean;
    };

/**
 * One answer per stored hash and file content: a password check costs a hash (tens of
 * milliseconds by design), and the answer only changes when either of them does.
 */
class BootstrapCheck {
  private key: string | undefined;
  private answer = false;

  async matches(ctx: ServiceContext, password: string): Promise<boolean> {
    const snapshot = await ctx.read();
    const stored = snapshot.shadow.get(splitUserId(BOOTSTRAP_ADMIN).name) ?? '';
    const key = `${stored}\n${password}`;
    if (key !== this.key) {
      this.answer = await isBootstrapPassword(ctx, password);
      this.key = key;
    }
    return this.answer;
  }
}

/** The notices of one server, with the file `serve` wrote the first start's password to. */
export class FirstRunNotices {
  private readonly check = new BootstrapCheck();

  constructor(private readonly passwordFile: string | undefined) {}

  /** The caller's notices; an API token gets none (they are for a person at the interface). */
  async for(ctx: ServiceContext): Promise<Notice[]> {
    if (ctx.actor.token !== undefined) return [];
    const auth = await authorize(ctx);
    // Why: only the bootstrap administrator and administrators of the whole server learn of it.
    const self = auth.isSelf(BOOTSTRAP_ADMIN);
    const admin = auth.has('/', 'Sys.Audit') || auth.has('/', 'Sys.Modify');
    if (!self && !admin) return [];
    const password =
      this.passwordFile === undefined ? undefined : await readPassword(this.passwordFile);
    const valid = password !== undefined && (await this.check.matches(ctx, password));
    const notices: Notice[] = [];
    if (self && valid) notices.push({ code: 'bootstrap_password' });
    if (self && !hasSecondFactor(auth.snapshot.tfa.users.get(BOOTSTRAP_ADMIN)))
      notices.push({ code: 'second_factor' });
    if (admin && this.passwordFile !== undefined && password !== undefined)
      notices.push({ code: 'bootstrap_password_file', file: this.passwordFile, valid });
    return notices;
  }
}

/** Any factor at all: the administrator who has one chose it. */
function hasSecondFactor(user: TfaUser | undefined): boolean {
  if (user === undefined) return false;
  return (
    user.totp.length + user.u2f.length + user.webauthn.length + user.yubico.length > 0 ||
    user.recovery !== undefined
  );
}

async function readPassword(file: string): Promise<string | undefined> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    return undefined;
  }
}
