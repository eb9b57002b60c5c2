/**
 * Tessera on a real 3-member etcd cluster: changes reach another process through the watch;
 * with two members down (no quorum) reads and permission checks go on from the last snapshot
 * while every write fails quickly with `store_read_only`; once the members are back, writes
 * resume in the same processes.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { isTesseraError } from '../../src/errors.js';
import { parseAclPath } from '../../src/model/acl-path.js';
import { parseGroupId, parseRoleId, parseUserId } from '../../src/model/ids.js';
import { modifyAcl } from '../../src/services/acl.js';
import { liveContext, type ServiceContext } from '../../src/services/context.js';
import { createGroup } from '../../src/services/groups.js';
import { createUser } from '../../src/services/users.js';
import { EtcdStore, parseEtcdHosts } from '../../src/store/etcd.js';
import { LiveAccess } from '../../src/store/live.js';
import { startEtcdCluster, type EtcdCluster } from '../support/etcd-cluster.js';
import { runCli } from '../support/cli.js';
import { repoRoot } from '../support/conformance.js';
import { engineFor } from '../../src/permissions/current.js';
import { parseAuthid } from '../../src/model/ids.js';
import { identifyCaller } from '../../src/api/caller.js';
import { serverKeys } from '../../src/auth/server-keys.js';
import { signTicket } from '../../src/auth/ticket.js';
import { ensureServerKeys } from '../../src/services/server-keys.js';
import { logoutEverywhere } from '../../src/services/sessions.js';

/** The other process and the lines it prints. */
class Child {
  private readonly lines: string[] = [];
  private readonly waiting: (() => void)[] = [];
  private readonly reader: Interface;

  constructor(readonly process: ChildProcessWithoutNullStreams) {
    this.reader = createInterface({ input: process.stdout });
    this.reader.on('line', (line) => {
      this.lines.push(line);
      for (const wake of this.waiting.splice(0)) wake();
    });
  }

  /** The first line (from the start) that satisfies `match`. */
  async line(match: (line: string) => boolean, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find(match);
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching line within ${String(timeoutMs)} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiting.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** When the child swapped in `revision` (or a later one). */
  async seen(revision: number): Promise<number> {
    const line = await this.line((l) => Number(l.split(' ')[0]) >= revision);
    return Number(line.split(' ')[1]);
  }

  async can(authid: string, path: string, privilege: string): Promise<boolean> {
    const before = this.lines.length;
    this.process.stdin.write(`check ${authid} ${path} ${privilege}\n`);
    const answer = await this.line((l) => l.startsWith('can ') && this.lines.indexOf(l) >= before);
    this.lines.splice(this.lines.indexOf(answer), 1);
    return answer === 'can 1';
  }

  stop(): void {
    this.reader.close();
    this.process.kill('SIGKILL');
  }
}

describe('etcd cluster of three members', { timeout: 120_000 }, () => {
  let cluster: EtcdCluster;
  let live: LiveAccess;
  let ctx: ServiceContext;
  let child: Child;

  before(async () => {
    cluster = await startEtcdCluster({ size: 3 });
    const hosts = parseEtcdHosts(cluster.url.slice('etcd://'.length));
    live = await LiveAccess.open(new EtcdStore(hosts));
    ctx = liveContext(live);
    await createGroup(ctx, parseGroupId('ops'));
    await createUser(ctx, { userid: parseUserId('alice@pve'), groups: [parseGroupId('ops')] });
    await modifyAcl(ctx, {
      path: parseAclPath('/vms'),
      roles: [parseRoleId('PVEVMUser')],
      groups: [parseGroupId('ops')],
    });
    child = new Child(
      spawn(process.execPath, [
        join(repoRoot, 'dist', 'test', 'support', 'live-child.js'),
        cluster.url,
      ]),
    );
    await child.seen(live.snapshot.revision);
  });

  after(async () => {
    child.stop();
    await live.close();
    await cluster.stop();
  });

  it('refuses on another node a ticket issued before a revocation of sessions', async () => {
    const now = Math.floor(Date.now() / 1000);
    await ensureServerKeys(ctx, now - 100);
    const hosts = parseEtcdHosts(cluster.url.slice('etcd://'.length));
    const other = await LiveAccess.open(new EtcdStore(hosts.slice(-1)));
    try {
      const keys = serverKeys(live.snapshot);
      assert.ok(keys);
      const ticket = signTicket(keys.ring, 'PVE', 'alice@pve', now - 5);
      const identify = () =>
        identifyCaller(
          other.snapshot,
          serverKeys(other.snapshot),
          { cookie: ticket, authorization: undefined },
          Math.floor(Date.now() / 1000),
        );
      const caughtUp = async (): Promise<void> => {
        for (let i = 0; i < 200 && other.snapshot.revision < live.snapshot.revision; i++)
          await new Promise((resolve) => setTimeout(resolve, 25));
        assert.ok(other.snapshot.revision >= live.snapshot.revision, 'the other node caught up');
      };
      await caughtUp();
      assert.equal(identify().caller.userid, 'alice@pve');
      await logoutEverywhere(ctx, parseUserId('alice@pve'));
      await caughtUp();
      assert.throws(identify, (err) => isTesseraError(err, 'ticket_revoked'));
    } finally {
      await other.close();
    }
  });

  it('brings a change written by one process to another through the watch', async (t) => {
    const delays: number[] = [];
    for (let i = 0; i < 20; i++) {
      const started = Date.now();
      await createUser(ctx, { userid: parseUserId(`watch${String(i)}@pve`) });
      delays.push((await child.seen(live.snapshot.revision)) - started);
    }
    delays.sort((a, b) => a - b);
    t.diagnostic(
      `write-to-visible delay over 20 changes: median ${String(delays[10])} ms, max ${String(delays[19])} ms`,
    );
    assert.equal(await child.can('alice@pve', '/vms/100', 'VM.Console'), true);
    const shown = await runCli('--store', cluster.url, 'config', 'show', 'user.cfg');
    assert.match(shown.stdout, /^group:ops:alice@pve::$/m);
  });

  it('keeps serving reads and checks without quorum, refuses writes quickly, and recovers', async (t) => {
    const revision = live.snapshot.revision;
    await cluster.kill(0);
    await cluster.kill(1);

    // Reads: the live snapshot, a fresh snapshot from the surviving member, permission checks
    // in both processes.
    assert.equal(live.snapshot.revision, revision);
    assert.equal(
      engineFor(live).can(parseAuthid('alice@pve'), parseAclPath('/vms/100'), 'VM.Console'),
      true,
    );
    assert.equal(await child.can('alice@pve', '/vms/100', 'VM.Console'), true);
    const stale = await live.store.snapshot();
    assert.equal(stale.revision, revision);
    // A one-shot command reads the same way.
    const cli = await runCli(
      '--store',
      cluster.url,
      'user',
      'permissions',
      'alice@pve',
      '--path',
      '/vms/7',
    );
    assert.equal(cli.status, 0, cli.stderr);
    // pveum's table: one privilege a line below the path.
    assert.match(cli.stdout, /│ \/vms\/7 +│ [\s\S]*│ VM\.Console (\(\*\) )? *│/);

    // Writes fail with store_read_only, each well within 5 s.
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      await assert.rejects(
        createUser(ctx, { userid: parseUserId(`partitioned${String(i)}@pve`) }),
        (err) =>
          isTesseraError(err, 'store_read_only') &&
          err.detail === 'cluster has no quorum: configuration is read-only',
      );
      const elapsed = Date.now() - started;
      t.diagnostic(`write refused after ${String(elapsed)} ms`);
      assert.ok(elapsed < 5_000, `write took ${String(elapsed)} ms to fail`);
    }

    await Promise.all([cluster.restart(0), cluster.restart(1)]);
    // The first write after recovery may race the election; the processes are not restarted.
    let written = false;
    for (let attempt = 0; attempt < 20 && !written; attempt++) {
      try {
        await createUser(ctx, { userid: parseUserId('healed@pve') });
        written = true;
      } catch (err) {
        if (!isTesseraError(err, 'store_read_only')) throw err;
      }
    }
    assert.ok(written, 'writes did not resume');
    assert.ok(live.snapshot.users.users.has(parseUserId('healed@pve')));
    await child.seen(live.snapshot.revision);
  });
});
