/**
 * Tessera's own settings for the whole deployment, kept in the store beside (not inside) the
 * Proxmox configuration. One so far: `password-hash`, the kind of hash new `pve` passwords
 * get (model/password-hash.ts; docs/deployment.md, "Exports Proxmox can use").
 */
import { invalid } from '../errors.js';
import {
  DEFAULT_PASSWORD_HASH,
  isPasswordHashKind,
  PASSWORD_HASH_KINDS,
  PASSWORD_HASH_SETTING,
  type PasswordHashKind,
} from '../model/password-hash.js';
import { encodeSetting, KEYS } from '../store/codec.js';
import type { AccessSnapshot } from '../store/snapshot.js';
import { draft } from './audit.js';
import { authorize } from './authorize.js';
import { audited, commit, type ServiceContext } from './context.js';

/** The settings there are, with their values as `config get` shows them. */
export function settingsOf(snapshot: AccessSnapshot): Record<string, string> {
  return { [PASSWORD_HASH_SETTING]: snapshot.passwordHash ?? DEFAULT_PASSWORD_HASH };
}

/** The `password-hash` value, checked: an error names the setting and the kinds there are. */
export function parsePasswordHashKind(value: string): PasswordHashKind {
  if (!isPasswordHashKind(value))
    throw invalid(
      PASSWORD_HASH_SETTING,
      `unknown password hash '${value}': expected one of ${PASSWORD_HASH_KINDS.join(', ')}`,
    );
  return value;
}

/**
 * Sets the kind of hash new `pve` passwords get. Existing hashes stay until their user logs
 * in or gets a new password. Changing how passwords are kept concerns every user, as roles
 * do: it takes `Sys.Modify` on /access.
 */
export async function setPasswordHashKind(
  ctx: ServiceContext,
  kind: PasswordHashKind,
): Promise<void> {
  const change = draft('config', PASSWORD_HASH_SETTING, 'update', { value: kind });
  return audited(ctx, change, async () => {
    const auth = await authorize(ctx);
    auth.perm('/access', ['Sys.Modify']);
    await commit(
      ctx,
      'set password-hash failed',
      (changes) => {
        if ((changes.snapshot.passwordHash ?? DEFAULT_PASSWORD_HASH) === kind) return;
        changes.put(KEYS.setting(PASSWORD_HASH_SETTING), encodeSetting(kind));
      },
      change,
    );
  });
}
