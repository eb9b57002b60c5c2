/**
 * Shared tickets with a Proxmox VE cluster, against Proxmox's own code (the oracle): after
 * `import` of a cluster's key files (generated here), tickets and CSRF tokens Tessera issues
 * verify in Proxmox, Proxmox's verify in Tessera, renewals and partial TFA tickets work both
 * ways, and a rotation followed from the files keeps the old key's grace period exactly as
 * Proxmox's rule has it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { utimesSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/server.js';
import { serverKeys } from '../../src/auth/server-keys.js';
import { signTicket, verifyTicket } from '../../src/auth/ticket.js';
import { liveContext } from '../../src/services/context.js';
import { ClusterKeyFollower } from '../../src/services/cluster-keys.js';
import { importPveDir } from '../../src/services/transfer.js';
import { LiveAccess } from '../../src/store/live.js';
import { MemoryStore } from '../../src/store/memory.js';
import { runOracle } from '../support/api-schema.js';
import { makePveDir, type PveDir } from '../support/pve-dir.js';

const NOW = 1_800_000_000;
const CREATED = NOW - 3600;
const PASSWORD = 'Tessera-shared-1';

interface KeyPair {
  readonly priv: string;
  readonly pub: string;
}
function rsaPair(): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    priv: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    pub: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

const current = rsaPair();
const old = rsaPair();
const next = rsaPair();
const www = rsaPair().priv;

function setMtime(dir: PveDir, file: string, time: number): void {
  utimesSync(join(dir.path, file), time, time);
}

/** The cluster's /etc/pve as the oracle gets it. */
function clusterFiles(pair: KeyPair, oldPair: KeyPair | undefined): Record<string, string> {
  return {
    'priv/authkey.key': pair.priv,
    'authkey.pub': pair.pub,
    ...(oldPair !== undefined ? { 'authkey.pub.old': oldPair.pub } : {}),
    'pve-www.key': www,
    'priv/authkey-old.key': old.priv,
  };
}

function oracle(
  files: Record<string, string>,
  queries: Record<string, unknown>[],
  times: { key_mtime: number; old_key_mtime?: number },
): Record<string, unknown>[] {
  // The oracle takes old_key_mtime per query only.
  return runOracle({
    files,
    queries: queries.map((q) => ({ ...times, ...q })),
  }) as Record<string, unknown>[];
}

const userCfg =
  'user:root@pam:1:0::::::\nuser:alice@pve:1:0::::::\n\nacl:1:/:alice@pve:Administrator:\n';

describe('tickets shared with a Proxmox VE cluster', () => {
  let dir: PveDir;
  let live: LiveAccess;
  let app: FastifyInstance;
  const store = new MemoryStore();

  before(async () => {
    const hash = execFileSync('openssl', ['passwd', '-5', '-salt', 'tesserasalt', PASSWORD])
      .toString()
      .trim();
    dir = makePveDir({
      'user.cfg': userCfg,
      'priv/shadow.cfg': `alice:${hash}:\n`,
      'priv/authkey.key': current.priv,
      'authkey.pub': current.pub,
      'authkey.pub.old': old.pub,
      'pve-www.key': www,
    });
    setMtime(dir, 'authkey.pub', CREATED);
    setMtime(dir, 'authkey.pub.old', CREATED);
    const result = await importPveDir(store, dir.path);
    assert.deepEqual(result.clusterKeys, { created: CREATED });
    live = await LiveAccess.open(store);
    app = await buildApi({ live, now: () => NOW, authFailureDelayMs: 0 });
  });
  after(async () => {
    await app.close();
    await live.close();
    dir.remove();
  });

  const times = { key_mtime: CREATED, old_key_mtime: CREATED };

  async function login(
    password: string,
  ): Promise<{ status: number; ticket: string; CSRFPreventionToken: string }> {
    const response = await app.inject({
      method: 'POST',
      url: '/api2/json/access/ticket',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ username: 'alice@pve', password }).toString(),
    });
    const body = JSON.parse(response.body) as {
      data: { ticket: string; CSRFPreventionToken: string } | null;
    };
    return { status: response.statusCode, ticket: '', CSRFPreventionToken: '', ...body.data };
  }

  it("a login's ticket and CSRF token verify with Proxmox's verify_ticket and csrf_verify", async () => {
    const issued = await login(PASSWORD);
    assert.equal(issued.status, 200);
    assert.match(issued.ticket, /^PVE:alice@pve:[0-9A-F]{8}::[A-Za-z0-9+/]+=*$/);
    const [ticket, csrf] = oracle(
      clusterFiles(current, old),
      [
        { op: 'verify_ticket', ticket: issued.ticket, now: NOW + 10 },
        {
          op: 'csrf_verify',
          userid: 'alice@pve',
          token: issued.CSRFPreventionToken,
          now: NOW + 10,
        },
      ],
      times,
    );
    assert.deepEqual(ticket?.['result'], ['alice@pve', 10, null]);
    assert.equal(csrf?.['ok'], true);
  });

  it("Proxmox's tickets and CSRF tokens work in Tessera, for reads and for changes", async () => {
    const [ticket, csrf] = oracle(
      clusterFiles(current, old),
      [
        { op: 'assemble_ticket', data: 'alice@pve', now: NOW - 5 },
        { op: 'csrf_assemble', userid: 'alice@pve', now: NOW - 5 },
      ],
      times,
    );
    const cookie = `PVEAuthCookie=${encodeURIComponent(String(ticket?.['ticket']))}`;
    const read = await app.inject({
      method: 'GET',
      url: '/api2/json/access/users',
      headers: { cookie },
    });
    assert.equal(read.statusCode, 200, read.body);
    const change = (token: string | undefined): Promise<{ statusCode: number; body: string }> =>
      app.inject({
        method: 'PUT',
        url: '/api2/json/access/users/alice@pve',
        headers: {
          cookie,
          'content-type': 'application/x-www-form-urlencoded',
          ...(token !== undefined ? { csrfpreventiontoken: token } : {}),
        },
        payload: 'comment=shared',
      });
    assert.equal((await change(undefined)).statusCode, 401);
    const changed = await change(String(csrf?.['token']));
    assert.equal(changed.statusCode, 200, changed.body);
  });

  it("renews a Proxmox ticket (the ticket as password), and Proxmox renews Tessera's", async () => {
    const [assembled] = oracle(
      clusterFiles(current, old),
      [{ op: 'assemble_ticket', data: 'alice@pve', now: NOW - 60 }],
      times,
    );
    const renewed = await login(String(assembled?.['ticket']));
    assert.equal(renewed.status, 200);
    const issued = await login(PASSWORD);
    const [verified, renewal] = oracle(
      { ...clusterFiles(current, old), 'user.cfg': userCfg },
      [
        { op: 'verify_ticket', ticket: renewed.ticket, now: NOW },
        {
          op: 'api',
          method: 'POST',
          path: '/access/ticket',
          params: { username: 'alice@pve', password: issued.ticket },
          now: NOW + 30,
        },
      ],
      times,
    );
    assert.deepEqual(verified?.['result'], ['alice@pve', 0, null]);
    const data = renewal?.['data'] as { ticket?: string; username?: string } | undefined;
    assert.equal(data?.username, 'alice@pve', JSON.stringify(renewal));
    const keys = serverKeys(live.snapshot);
    assert.ok(keys);
    assert.equal(verifyTicket(keys.ring, data.ticket ?? '', { now: NOW + 30 })?.data, 'alice@pve');
  });

  it('partial TFA tickets are bound to the user (the aad) both ways', () => {
    const keys = serverKeys(live.snapshot);
    assert.ok(keys);
    const challenge = '{"totp":true}';
    const ours = signTicket(keys.ring, 'PVE', `!tfa!${challenge}`, NOW, 'alice@pve');
    const [theirs, wrongUser, ok, assembled] = oracle(
      clusterFiles(current, old),
      [
        { op: 'verify_ticket', ticket: ours, tfa_aad: 'bob@pve', now: NOW },
        { op: 'verify_ticket', ticket: ours, tfa_aad: 'alice@pve', now: NOW },
        { op: 'verify_ticket', ticket: ours, tfa_aad: 'alice@pve', now: NOW + 1 },
        { op: 'assemble_ticket', data: `!tfa!${challenge}`, aad: 'alice@pve', now: NOW },
      ],
      times,
    );
    assert.equal((theirs?.['result'] as unknown[] | undefined)?.[0] ?? null, null);
    assert.deepEqual(wrongUser?.['result'], [challenge]);
    assert.deepEqual(ok?.['result'], [challenge]);
    const ticket = String(assembled?.['ticket']);
    assert.equal(
      verifyTicket(keys.ring, ticket, { now: NOW, secretData: 'alice@pve' })?.data,
      `!tfa!${challenge}`,
    );
    assert.equal(verifyTicket(keys.ring, ticket, { now: NOW, secretData: 'bob@pve' }), undefined);
  });

  it("follows a rotation of the files: the old key's grace period as Proxmox's rule has it", async () => {
    const followed = makePveDir(clusterFiles(current, old));
    setMtime(followed, 'authkey.pub', CREATED);
    setMtime(followed, 'authkey.pub.old', CREATED);
    const errors: unknown[] = [];
    const follower = new ClusterKeyFollower(liveContext(live), followed.path, {
      intervalMs: 20,
      onError: (err) => errors.push(err),
    });
    try {
      await follower.start();
      const before = serverKeys(live.snapshot);
      assert.ok(before);
      // Signed with the key that is about to be rotated away: one before the rotation, one
      // (as a node with a stale key would) well after it.
      const early = signTicket(before.ring, 'PVE', 'alice@pve', NOW - 100);
      const late = signTicket(before.ring, 'PVE', 'alice@pve', NOW + 400);

      // Proxmox's rotate_authkey: the old public key to authkey.pub.old, then the new pair.
      const rotated = NOW;
      followed.write('authkey.pub.old', current.pub);
      followed.write('authkey.pub', next.pub);
      followed.write('priv/authkey.key', next.priv);
      setMtime(followed, 'authkey.pub.old', rotated);
      setMtime(followed, 'authkey.pub', rotated);
      const deadline = Date.now() + 5_000;
      while (serverKeys(live.snapshot) === before && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
      const after = serverKeys(live.snapshot);
      assert.ok(after && after !== before, 'the rotation was not picked up');
      assert.deepEqual(errors, []);

      const files = clusterFiles(next, current);
      const rotatedTimes = { key_mtime: rotated, old_key_mtime: rotated };
      const fresh = signTicket(after.ring, 'PVE', 'alice@pve', rotated + 5);
      const cases = [
        { ticket: early, now: rotated + 10 },
        { ticket: early, now: rotated + 7000 },
        { ticket: early, now: rotated + 7200 },
        { ticket: late, now: rotated + 410 },
        { ticket: fresh, now: rotated + 10 },
      ];
      const answers = oracle(
        files,
        cases.map((c) => ({ op: 'verify_ticket', ...c })),
        rotatedTimes,
      );
      const proxmox = answers.map((a) => (a['result'] as unknown[] | undefined)?.[0] ?? null);
      assert.deepEqual(proxmox, ['alice@pve', 'alice@pve', null, null, 'alice@pve']);
      assert.deepEqual(
        cases.map((c) => verifyTicket(after.ring, c.ticket, { now: c.now })?.data ?? null),
        proxmox,
      );
    } finally {
      await follower.stop();
      followed.remove();
    }
  });

  it('a rotation dated ahead of the clock (a node whose clock is ahead) counts from now', () => {
    const ahead = NOW + 100;
    const times = { key_mtime: ahead, old_key_mtime: ahead };
    const oldSigned = (at: number): string =>
      String(
        oracle(
          clusterFiles(next, old),
          [
            {
              op: 'assemble_ticket',
              data: 'alice@pve',
              privkey_file: 'priv/authkey-old.key',
              now: at,
            },
          ],
          times,
        )[0]?.['ticket'],
      );
    const ticket = oldSigned(NOW + 350);
    const [verdict] = oracle(
      clusterFiles(next, old),
      [{ op: 'verify_ticket', ticket, now: NOW }],
      times,
    );
    assert.equal((verdict?.['result'] as unknown[] | undefined)?.[0] ?? null, null);
    const ring = {
      current: { publicKey: createPublicKey(next.pub), created: ahead },
      previous: { publicKey: createPublicKey(old.pub), created: ahead },
    };
    assert.equal(verifyTicket(ring, ticket, { now: NOW }), undefined);
    // Within Proxmox's 300 s it is accepted.
    assert.equal(verifyTicket(ring, oldSigned(NOW + 250), { now: NOW })?.data, 'alice@pve');
  });
});
