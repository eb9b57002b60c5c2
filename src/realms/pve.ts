/**
 * The `pve` realm: Tessera's own users, whose password hashes it keeps (argon2id, or
 * SHA-256/512-crypt: imported from Proxmox's priv/shadow.cfg, or written under the
 * `password-hash` setting `sha512-crypt`). A login with a hash of the other kind than the
 * setting asks for reports that it should be replaced.
 */
import { AuthFailure } from '../errors.js';
import { hashPassword, verifyPassword } from '../auth/password.js';
import { DEFAULT_PASSWORD_HASH, type PasswordHashKind } from '../model/password-hash.js';
import type { AccessSnapshot } from '../store/snapshot.js';
import type { Realm } from './realm.js';

// Verified against when there is no hash to check, so that an unknown user costs the same
// as a user whose hash is of the kind the setting asks for.
const decoyHashes = new Map<PasswordHashKind, Promise<string>>();

async function decoy(
  password: string,
  remoteHost?: string,
  snapshot?: AccessSnapshot,
): Promise<void> {
  const kind = snapshot?.passwordHash ?? DEFAULT_PASSWORD_HASH;
  let hash = decoyHashes.get(kind);
  if (hash === undefined) decoyHashes.set(kind, (hash = hashPassword('decoy', undefined, kind)));
  await verifyPassword(await hash, password, remoteHost, kind);
}

export const pveRealm: Realm = {
  type: 'pve',
  async authenticate({ snapshot, user, password, remoteHost }) {
    const stored = snapshot.shadow.get(user);
    if (stored === undefined) {
      await decoy(password, remoteHost, snapshot);
      throw new AuthFailure('invalid credentials', 'wrong_password');
    }
    const result = await verifyPassword(stored, password, remoteHost, snapshot.passwordHash);
    if (!result.ok) throw new AuthFailure('invalid credentials', 'wrong_password');
    return { rehash: result.rehash };
  },
  decoy,
  check: () => Promise.resolve({ kind: 'local', detail: 'passwords are kept by Tessera' }),
};
