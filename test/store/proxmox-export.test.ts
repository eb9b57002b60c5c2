/**
 * Exports Proxmox can use (docs/deployment.md, "Exports Proxmox can use"): users log in and
 * change passwords through Tessera's API under each `password-hash` setting, the store is
 * exported, and Proxmox's own password check (PVE::Auth::PVE, on the exported directory)
 * decides whether each of them could log in to Proxmox. Hashes Proxmox cannot verify make the
 * export refuse, naming their users; the rehash policy follows the setting.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/server.js';
import { hashPassword } from '../../src/auth/password.js';
import { isTesseraError } from '../../src/errors.js';
import { parseUserId, type UserId } from '../../src/model/ids.js';
import { bootstrap } from '../../src/services/bootstrap.js';
import { liveContext, type ServiceContext } from '../../src/services/context.js';
import { setPasswordHashKind } from '../../src/services/settings.js';
import { exportPveDir } from '../../src/services/transfer.js';
import { changePassword, createUser } from '../../src/services/users.js';
import { LiveAccess } from '../../src/store/live.js';
import { MemoryStore } from '../../src/store/memory.js';
import { ensureServerKeys } from '../../src/services/server-keys.js';
import { proxmoxPasswordCheck } from '../support/pve-auth.js';

// password123, as Proxmox's shadow.cfg stores it in api-flows.json (SHA-256-crypt, 5000 rounds).
const PROXMOX_SHA256 = '$5$fixedsalt$Mwah3bMSwvvaEV0hlWPoarnUvDU5s/ycQSAQL5.y0t6';

const PASSWORDS: Readonly<Record<string, string>> = {
  'kept@pve': 'password123',
  'moved@pve': 'password123',
  'old@pve': 'old password',
  'new@pve': 'new pässwort ✓',
  'changed@pve': 'changed later',
};

describe('exports Proxmox can use', () => {
  const work = mkdtempSync(join(tmpdir(), 'tessera-proxmox-export-'));
  let live: LiveAccess;
  let ctx: ServiceContext;
  let app: FastifyInstance;
  let admin = '';
  const id = (name: string): UserId => parseUserId(name);
  const hashOf = (userid: string): string =>
    live.snapshot.shadow.get(userid.replace(/@pve$/, '')) ?? '';
  const login = async (userid: string, password: string): Promise<number> =>
    (
      await app.inject({
        method: 'POST',
        url: '/api2/json/access/ticket',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `username=${encodeURIComponent(userid)}&password=${encodeURIComponent(password)}`,
      })
    ).statusCode;
  /** Exports into a new directory; Proxmox's answers to every user's login with its password. */
  const exportAndCheck = async (name: string, allowLockout = false): Promise<string[]> => {
    const dir = join(work, name);
    await exportPveDir(live.snapshot, dir, { allowLockout });
    const users = Object.keys(PASSWORDS);
    return proxmoxPasswordCheck(
      dir,
      users.map((user) => ({ user, password: PASSWORDS[user] ?? '' })),
    );
  };

  before(async () => {
    live = await LiveAccess.open(new MemoryStore());
    ctx = liveContext(live);
    admin = (await bootstrap(ctx)) ?? '';
    await ensureServerKeys(ctx, Math.floor(Date.now() / 1000) - 100);
    // As an import from Proxmox leaves them.
    for (const name of ['kept@pve', 'moved@pve'])
      await createUser(ctx, { userid: id(name), passwordHash: PROXMOX_SHA256 });
    await createUser(ctx, { userid: id('old@pve'), password: PASSWORDS['old@pve'] ?? '' });
    await createUser(ctx, { userid: id('changed@pve'), password: 'first password' });
    app = await buildApi({ live, authFailureDelayMs: 0 });
  });

  after(async () => {
    await app.close();
    await live.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('under argon2id (the default), rehashes a Proxmox hash at login and refuses the export', async () => {
    assert.equal(await login('moved@pve', 'password123'), 200);
    assert.match(hashOf('moved@pve'), /^\$argon2id\$/);
    assert.match(hashOf('old@pve'), /^\$argon2id\$/);
    await assert.rejects(
      () => exportPveDir(live.snapshot, join(work, 'refused')),
      (err: unknown) => {
        assert.ok(isTesseraError(err, 'rejected'));
        assert.equal(err.field, 'priv/shadow.cfg');
        assert.equal(
          err.message,
          'nothing exported: Proxmox cannot verify the password hashes of 4 ' +
            'user(s), which Tessera hashed with argon2id: admin@pve, changed@pve, moved@pve, ' +
            "old@pve. To export hashes Proxmox can verify, run 'tessera config set " +
            "password-hash sha512-crypt', then have each of them log in to Tessera once (the " +
            "login rehashes the password) or set a new password ('tessera passwd <userid>'), " +
            'and export again; or pass --allow-lockout to export anyway and lock them out of ' +
            'Proxmox',
        );
        return true;
      },
    );
  });

  it('with --allow-lockout, exports anyway, and Proxmox refuses exactly the argon2id users', async () => {
    assert.deepEqual(await exportAndCheck('locked-out', true), [
      'ok',
      'invalid credentials',
      'invalid credentials',
      'no password set',
      'invalid credentials',
    ]);
  });

  it('under sha512-crypt, every new hash is one Proxmox verifies, and the export is accepted', async () => {
    await setPasswordHashKind(ctx, 'sha512-crypt');
    assert.equal(live.snapshot.passwordHash, 'sha512-crypt');
    // A login turns an argon2id hash into SHA-512-crypt ...
    for (const name of ['moved@pve', 'old@pve'])
      assert.equal(await login(name, PASSWORDS[name] ?? ''), 200, name);
    // ... and leaves a Proxmox crypt hash as it is.
    assert.equal(await login('kept@pve', 'password123'), 200);
    assert.equal(hashOf('kept@pve'), PROXMOX_SHA256);
    // A new user, and a changed password.
    await createUser(ctx, { userid: id('new@pve'), password: PASSWORDS['new@pve'] ?? '' });
    await changePassword(ctx, id('changed@pve'), PASSWORDS['changed@pve'] ?? '', undefined);
    await changePassword(ctx, id('admin@pve'), admin, undefined);
    for (const name of ['moved@pve', 'old@pve', 'new@pve', 'changed@pve', 'admin@pve'])
      assert.match(hashOf(name), /^\$6\$rounds=50000\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}$/, name);

    assert.deepEqual(await exportAndCheck('accepted'), ['ok', 'ok', 'ok', 'ok', 'ok']);
    const shadow = readFileSync(join(work, 'accepted', 'priv', 'shadow.cfg'), 'utf8');
    assert.match(shadow, /^kept:\$5\$fixedsalt\$/m);
    assert.doesNotMatch(shadow, /argon2/);
  });

  it('Proxmox refuses a wrong password against the exported hashes', () => {
    const dir = join(work, 'accepted');
    assert.deepEqual(
      proxmoxPasswordCheck(dir, [
        { user: 'new@pve', password: 'new pässwort ✗' },
        { user: 'admin@pve', password: `${admin}x` },
      ]),
      ['invalid credentials', 'invalid credentials'],
    );
  });

  it('logs in through Tessera with every kind of hash, renewing only what the setting asks', async () => {
    const crypt = await hashPassword('both kinds', undefined, 'sha512-crypt');
    await createUser(ctx, { userid: id('both@pve'), passwordHash: crypt });
    assert.equal(await login('both@pve', 'both kinds'), 200);
    assert.equal(hashOf('both@pve'), crypt, 'a crypt hash stays under sha512-crypt');
    assert.equal(await login('both@pve', 'both kinds?'), 401);
    for (const [name, password] of Object.entries(PASSWORDS))
      assert.equal(await login(name, password), 200, name);

    await setPasswordHashKind(ctx, 'argon2id');
    assert.equal(await login('both@pve', 'both kinds'), 200);
    assert.match(hashOf('both@pve'), /^\$argon2id\$/, 'back to argon2id at the next login');
    assert.equal(await login('both@pve', 'both kinds'), 200);
    assert.equal(await login('kept@pve', 'password123'), 200);
    assert.match(hashOf('kept@pve'), /^\$argon2id\$/);
  });
});

describe('the password-hash setting before the first start', () => {
  it("hashes the bootstrap administrator's password as the setting says", async () => {
    const live = await LiveAccess.open(new MemoryStore());
    try {
      const ctx = liveContext(live);
      await setPasswordHashKind(ctx, 'sha512-crypt');
      const password = (await bootstrap(ctx)) ?? '';
      assert.match(live.snapshot.shadow.get('admin') ?? '', /^\$6\$rounds=50000\$/);
      const dir = mkdtempSync(join(tmpdir(), 'tessera-first-start-export-'));
      try {
        await exportPveDir(live.snapshot, dir, { force: true });
        assert.deepEqual(proxmoxPasswordCheck(dir, [{ user: 'admin@pve', password }]), ['ok']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    } finally {
      await live.close();
    }
  });
});
