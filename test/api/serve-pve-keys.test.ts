/**
 * `tessera serve --pve-keys <dir>` as a process: it signs with the cluster's key, picks up a
 * rotation of the files without a restart (the old key's tickets stay valid in its grace
 * period), and refuses to start with an odd key file, naming it.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, verify } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { encrypt } from 'unixcrypt';
import { makePveDir } from '../support/pve-dir.js';
import { freePort, start, stop } from '../support/serve.js';

function rsa(): { priv: string; pub: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    priv: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    pub: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** Signed as Proxmox signs: PKCS#1 v1.5 with SHA-1 over the text before `::`. */
function signedBy(ticket: string, pub: string): boolean {
  const split = ticket.lastIndexOf('::');
  return verify(
    'sha1',
    Buffer.from(ticket.slice(0, split)),
    pub,
    Buffer.from(ticket.slice(split + 2), 'base64'),
  );
}

describe('serve --pve-keys', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-pve-keys-'));
  const first = rsa();
  const second = rsa();
  const cluster = makePveDir({
    'priv/authkey.key': first.priv,
    'authkey.pub': first.pub,
    'pve-www.key': rsa().priv,
  });
  const now = Math.floor(Date.now() / 1000);
  utimesSync(join(cluster.path, 'authkey.pub'), now - 600, now - 600);
  after(() => {
    rmSync(dataDir, { recursive: true, force: true });
    cluster.remove();
  });

  it('follows a rotation of the files without a restart', async () => {
    const port = await freePort();
    const server = start(dataDir, port, [
      '--http',
      '--pve-keys',
      cluster.path,
      '--pve-keys-poll',
      '1',
    ]);
    try {
      await server.ready;
      assert.match(server.output(), /following the cluster's ticket keys in /);
      const password = readFileSync(join(dataDir, 'admin-password'), 'utf8').trim();
      const base = `http://127.0.0.1:${String(port)}/api2/json`;
      const login = async (): Promise<string> => {
        const response = await fetch(`${base}/access/ticket`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ username: 'admin@pve', password }).toString(),
        });
        assert.equal(response.status, 200);
        return ((await response.json()) as { data: { ticket: string } }).data.ticket;
      };
      const users = async (ticket: string): Promise<number> =>
        (
          await fetch(`${base}/access/users`, {
            headers: { cookie: `PVEAuthCookie=${encodeURIComponent(ticket)}` },
          })
        ).status;

      const before = await login();
      assert.ok(signedBy(before, first.pub), before);

      // Proxmox's rotation: the old public key to authkey.pub.old, then the new pair.
      cluster.write('authkey.pub.old', first.pub);
      cluster.write('authkey.pub', second.pub);
      cluster.write('priv/authkey.key', second.priv);
      const deadline = Date.now() + 10_000;
      while (
        !server.output().includes("took the cluster's new ticket keys") &&
        Date.now() < deadline
      )
        await new Promise((resolve) => setTimeout(resolve, 100));
      assert.match(server.output(), /took the cluster's new ticket keys/);

      const afterRotation = await login();
      assert.ok(signedBy(afterRotation, second.pub), afterRotation);
      assert.equal(await users(afterRotation), 200);
      // Issued before the rotation: valid through the old key's grace period.
      assert.equal(await users(before), 200);
    } finally {
      assert.equal(await stop(server.child), 0);
    }
  });

  it('refuses to start with an odd key file, naming it', async () => {
    const odd = makePveDir({
      'priv/authkey.key': first.priv,
      'authkey.pub': second.pub,
      'pve-www.key': 'x',
    });
    try {
      const server = start(dataDir, await freePort(), ['--http', '--pve-keys', odd.path]);
      await assert.rejects(
        server.ready,
        /authkey\.pub: not the public half of .*priv\/authkey\.key/,
      );
    } finally {
      odd.remove();
    }
  });

  it('live on a node’s directory (`pve-dir:` alone), follows its keys without being told', async () => {
    const live = makePveDir({
      'user.cfg':
        'user:root@pam:1:0::::::\nuser:ops@pve:1:0::::::\n\nacl:1:/:ops@pve:Administrator:\n',
      'domains.cfg': 'pve: pve\n\tcomment Proxmox VE authentication server\n\n',
      'priv/shadow.cfg': `ops:${encrypt('live ops 10', '$5$liveopssalt')}:\n`,
      'priv/authkey.key': first.priv,
      'authkey.pub': first.pub,
      'pve-www.key': rsa().priv,
    });
    utimesSync(join(live.path, 'authkey.pub'), now - 600, now - 600);
    const port = await freePort();
    // Without `?state=`: Tessera's own keys go to the data directory.
    const server = start(dataDir, port, ['--http', '--store', `pve-dir:${live.path}`]);
    try {
      await server.ready;
      assert.match(server.output(), /following the cluster's ticket keys in /);
      const response = await fetch(`http://127.0.0.1:${String(port)}/api2/json/access/ticket`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ username: 'ops@pve', password: 'live ops 10' }).toString(),
      });
      assert.equal(response.status, 200);
      const { ticket } = ((await response.json()) as { data: { ticket: string } }).data;
      assert.ok(signedBy(ticket, first.pub), ticket);
      assert.ok(existsSync(join(dataDir, 'pve-state.db')));
    } finally {
      assert.equal(await stop(server.child), 0);
      live.remove();
    }
  });
});
