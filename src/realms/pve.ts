/**
 * The `pve` realm: Tessera's own users, whose password hashes it keeps (argon2id, or the
 * SHA-256/512-crypt hashes imported from Proxmox's priv/shadow.cfg, replaced by argon2id at
 * the next login).
 */
import { AuthFailure } from '../errors.js';
import { hashPassword, verifyPassword } from '../auth/password.js';
import type { Realm } from './realm.js';

// Verified against when there is no hash to check, so that an unknown user costs the same.
let decoyHash: Promise<string> | undefined;

async function decoy(password: string, remoteHost?: string): Promise<void> {
  await verifyPassword(await (decoyHash ??= hashPassword('decoy')), password, remoteHost);
}

export const pveRealm: Realm = {
  type: 'pve',
  async authenticate({ snapshot, user, password, remoteHost }) {
    const stored = snapshot.shadow.get(user);
    if (stored === undefined) {
      await decoy(password, remoteHost);
      throw new AuthFailure('invalid credentials', 'wrong_password');
    }
    const result = await verifyPassword(stored, password, remoteHost);
    if (!result.ok) throw new AuthFailure('invalid credentials', 'wrong_password');
    return { rehash: result.rehash };
  },
  decoy,
  check: () => Promise.resolve({ kind: 'local', detail: 'passwords are kept by Tessera' }),
};
