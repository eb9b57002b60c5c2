/**
 * The `proxmox-api` npm package, a real Proxmox client, against `tessera serve`, checking
 * the server certificate against the one Tessera generated: password login, creating a
 * user, an ACL and a token, reading permissions, then working with the token; the pools API
 * of Proxmox VE 8.1+; its errors quote the status line's reason phrase.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import proxmoxApi from 'proxmox-api';
import { Agent, fetch } from 'undici';
import { freePort, start, stop } from '../support/serve.js';

describe('proxmox-api (npm)', { timeout: 60_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-proxmox-api-'));
  after(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('logs in, manages users, ACLs and tokens, and works with the token', async () => {
    const port = await freePort();
    const server = start(dataDir, port);
    await server.ready;
    const password = /password: (\S+)/.exec(server.output())?.[1] ?? '';
    const dispatcher = new Agent({ connect: { ca: readFileSync(join(dataDir, 'tessera.crt')) } });
    const trusted: typeof fetch = (url, init) => fetch(url, { ...init, dispatcher });
    try {
      const admin = proxmoxApi({
        host: '127.0.0.1',
        port,
        username: 'admin@pve',
        password,
        fetch: trusted,
      });
      await admin.access.users.$post({ userid: 'erin@pve', comment: 'made by proxmox-api' });
      await admin.access.acl.$put({ path: '/vms/200', roles: 'PVEVMAdmin', users: 'erin@pve' });
      const token = await admin.access.users.$('erin@pve').token.$('ci').$post({ privsep: false });
      assert.equal(token['full-tokenid'], 'erin@pve!ci');
      const users = (await admin.access.users.$get()).map((u) => u.userid).sort();
      assert.deepEqual(users, ['admin@pve', 'erin@pve', 'root@pam']);

      const erin = proxmoxApi({
        host: '127.0.0.1',
        port,
        tokenID: 'erin@pve!ci',
        tokenSecret: token.value,
        fetch: trusted,
      });
      const permissions = (await erin.access.permissions.$get({ path: '/vms/200' })) as Record<
        string,
        Record<string, number>
      >;
      assert.equal(permissions['/vms/200']?.['VM.PowerMgmt'], 1);
      await assert.rejects(erin.access.users.$post({ userid: 'mallory@pve' }), /403|Permission/);

      // The pools API of Proxmox VE 8.1+, as the client calls it.
      await admin.pools.$post({ poolid: 'web', comment: 'web servers' });
      await admin.pools.$post({ poolid: 'web/dev' });
      await admin.pools.$post({ poolid: 'db' });
      await admin.pools.$put({ poolid: 'db', vms: '200' });
      await assert.rejects(
        admin.pools.$put({ poolid: 'web/dev', vms: '200' }),
        /return Error 500 update pools failed: VM 200 belongs already to pool 'db' and 'allow-move' is not set/,
      );
      await admin.pools.$put({ poolid: 'web/dev', vms: '200', 'allow-move': true });
      const dev = await admin.pools.$get({ poolid: 'web/dev', type: 'qemu' });
      assert.deepEqual(
        dev.map((p) => [p.poolid, (p.members as { vmid?: number }[]).map((m) => m.vmid)]),
        [['web/dev', [200]]],
      );
      await assert.rejects(
        admin.pools.$delete({ poolid: 'web' }),
        /return Error 500 delete pool failed: pool 'web' is not empty \(contains pool 'web\/dev'\)/,
      );
      await admin.pools.$put({ poolid: 'web/dev', vms: '200', delete: true });
      await admin.pools.$delete({ poolid: 'web/dev' });
      const left = (await admin.pools.$get()).map((p) => p.poolid).sort();
      assert.deepEqual(left, ['db', 'web']);

      // Its errors quote the status line, where the cause is.
      await assert.rejects(
        admin.access.users.$('nobody@pve').$get(),
        /return Error 500 no such user \('nobody@pve'\): /,
      );
      await assert.rejects(
        admin.access.groups.$post({ groupid: 'bad id!' }),
        /return Error 400 Parameter verification failed\.: .*"groupid"/,
      );
      const stranger = proxmoxApi({
        host: '127.0.0.1',
        port,
        tokenID: 'erin@pve!ci',
        tokenSecret: '00000000-0000-0000-0000-000000000000',
        fetch: trusted,
      });
      await assert.rejects(
        stranger.access.users.$get(),
        /return Error 401 Authentication failed!: \{"data":null\}/,
      );
    } finally {
      await dispatcher.close();
      assert.equal(await stop(server.child), 0);
    }
  });
});
