/**
 * `GET /access/tessera/notices`: the bootstrap administrator is told while its password is
 * still the printed one and while it has no second factor, administrators (Sys.Audit or Sys.Modify on /) while the file holding
 * it is in the data directory; nobody else learns either, and API tokens get nothing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/server.js';
import { hashPassword } from '../../src/auth/password.js';
import { parseAclPath } from '../../src/model/acl-path.js';
import { parseRoleId, parseUserId } from '../../src/model/ids.js';
import { modifyAcl } from '../../src/services/acl.js';
import { bootstrap } from '../../src/services/bootstrap.js';
import { liveContext, type ServiceContext } from '../../src/services/context.js';
import { ensureServerKeys } from '../../src/services/server-keys.js';
import { createUser } from '../../src/services/users.js';
import { LiveAccess } from '../../src/store/live.js';
import { openStore } from '../../src/store/open.js';
import { bootstrapPasswordFile } from '../../src/server/notices.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

interface Session {
  readonly ticket: string;
  readonly csrf: string;
}

describe('first-run notices', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-notices-'));
  const file = bootstrapPasswordFile(dir);
  let live: LiveAccess;
  let ctx: ServiceContext;
  let app: FastifyInstance;
  let adminPassword = '';

  before(async () => {
    live = await LiveAccess.open(await openStore(`sqlite:${join(dir, 'tessera.db')}`));
    ctx = liveContext(live);
    adminPassword = (await bootstrap(ctx)) ?? '';
    writeFileSync(file, `${adminPassword}\n`, { mode: 0o600 });
    await ensureServerKeys(ctx, Math.floor(Date.now() / 1000) - 100);
    for (const [name, role] of [
      ['alice', undefined],
      ['audrey', 'PVEAuditor'],
      ['pat', 'PVEUserAdmin'],
    ] as const) {
      const userid = parseUserId(`${name}@pve`);
      await createUser(ctx, { userid, passwordHash: await hashPassword(`${name} password`) });
      if (role !== undefined)
        await modifyAcl(ctx, {
          path: parseAclPath('/'),
          roles: [parseRoleId(role)],
          users: [userid],
        });
    }
    app = await buildApi({
      live,
      authFailureDelayMs: 0,
      throttle: false,
      bootstrapPasswordFile: file,
    });
  });
  after(async () => {
    await app.close();
    await live.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const session = async (username: string, password: string): Promise<Session> => {
    const reply = await app.inject({
      method: 'POST',
      url: '/api2/json/access/ticket',
      headers: FORM,
      payload: new URLSearchParams({ username, password }).toString(),
    });
    assert.equal(reply.statusCode, 200, `login of ${username}`);
    const data = reply.json<{ data: { ticket: string; CSRFPreventionToken: string } }>().data;
    return { ticket: data.ticket, csrf: data.CSRFPreventionToken };
  };
  const notices = async (s: Session): Promise<unknown> => {
    const reply = await app.inject({
      method: 'GET',
      url: '/api2/json/access/tessera/notices',
      headers: { cookie: `PVEAuthCookie=${encodeURIComponent(s.ticket)}` },
    });
    assert.equal(reply.statusCode, 200, reply.body);
    return reply.json<{ data: unknown }>().data;
  };

  it('tells the bootstrap administrator of its password and of the file', async () => {
    const admin = await session('admin@pve', adminPassword);
    assert.deepEqual(await notices(admin), [
      { code: 'bootstrap_password' },
      { code: 'second_factor' },
      { code: 'bootstrap_password_file', file, valid: true },
    ]);
  });

  it('tells other users nothing; auditors of / only of the file', async () => {
    assert.deepEqual(await notices(await session('alice@pve', 'alice password')), []);
    // PVEUserAdmin holds no Sys.Audit or Sys.Modify on /: the data directory is not its business.
    assert.deepEqual(await notices(await session('pat@pve', 'pat password')), []);
    assert.deepEqual(await notices(await session('audrey@pve', 'audrey password')), [
      { code: 'bootstrap_password_file', file, valid: true },
    ]);
  });

  it('gives API tokens nothing', async () => {
    const admin = await session('admin@pve', adminPassword);
    const created = await app.inject({
      method: 'POST',
      url: '/api2/json/access/users/admin@pve/token/ui',
      headers: {
        ...FORM,
        cookie: `PVEAuthCookie=${encodeURIComponent(admin.ticket)}`,
        csrfpreventiontoken: admin.csrf,
      },
      payload: 'privsep=0',
    });
    assert.equal(created.statusCode, 200, created.body);
    const secret = created.json<{ data: { value: string } }>().data.value;
    const reply = await app.inject({
      method: 'GET',
      url: '/api2/json/access/tessera/notices',
      headers: { authorization: `PVEAPIToken=admin@pve!ui=${secret}` },
    });
    assert.equal(reply.statusCode, 403, reply.body);
  });

  it('drops the password notice after a password change; the stale file still warns', async () => {
    const admin = await session('admin@pve', adminPassword);
    const changed = await app.inject({
      method: 'PUT',
      url: '/api2/json/access/password',
      headers: {
        ...FORM,
        cookie: `PVEAuthCookie=${encodeURIComponent(admin.ticket)}`,
        csrfpreventiontoken: admin.csrf,
      },
      payload: new URLSearchParams({
        userid: 'admin@pve',
        password: 'a new admin password',
        'confirmation-password': adminPassword,
      }).toString(),
    });
    assert.equal(changed.statusCode, 200, changed.body);
    const again = await session('admin@pve', 'a new admin password');
    assert.deepEqual(await notices(again), [
      { code: 'second_factor' },
      { code: 'bootstrap_password_file', file, valid: false },
    ]);
  });

  it('warns of the file no more once it is deleted, nor of the factor once there is one', async () => {
    unlinkSync(file);
    const admin = await session('admin@pve', 'a new admin password');
    assert.deepEqual(await notices(admin), [{ code: 'second_factor' }]);
    const added = await app.inject({
      method: 'POST',
      url: '/api2/json/access/tfa/admin@pve',
      headers: {
        ...FORM,
        cookie: `PVEAuthCookie=${encodeURIComponent(admin.ticket)}`,
        csrfpreventiontoken: admin.csrf,
      },
      payload: new URLSearchParams({
        type: 'recovery',
        password: 'a new admin password',
      }).toString(),
    });
    assert.equal(added.statusCode, 200, added.body);
    assert.deepEqual(await notices(admin), []);
    assert.deepEqual(await notices(await session('audrey@pve', 'audrey password')), []);
  });
});
