/**
 * Second factors while a real etcd cluster has lost its quorum: TOTP logins still succeed on
 * the node that answers them, a replayed code is still refused there, recovery keys are
 * refused with the reason, `doctor` fails the store check, and once the quorum is back the
 * used step and the failures counted meanwhile (and the audit events) reach the store, so the
 * other node refuses the same code too.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { AuthFailureEvent } from '../../src/services/login/events.js';
import { buildApi } from '../../src/api/server.js';
import { EventLog, readEvents } from '../../src/diagnostics/events.js';
import { explainEvents } from '../../src/diagnostics/explain-logins.js';
import { hashPassword } from '../../src/auth/password.js';
import { ensureServerKeys } from '../../src/services/server-keys.js';
import { parseUserId } from '../../src/model/ids.js';
import { bootstrap } from '../../src/services/bootstrap.js';
import { liveContext } from '../../src/services/context.js';
import { OfflineTfa } from '../../src/services/tfa-offline.js';
import { createUser } from '../../src/services/users.js';
import { encodeTfaUser, KEYS } from '../../src/store/codec.js';
import { EtcdStore, parseEtcdHosts } from '../../src/store/etcd.js';
import { LiveAccess } from '../../src/store/live.js';
import { generateRecoveryKeys } from '../../src/tfa/recovery.js';
import { hotpCode } from '../../src/tfa/totp.js';
import { fromCose } from '../../src/tfa/webauthn-credential.js';
import { startEtcdCluster, type EtcdCluster } from '../support/etcd-cluster.js';
import { runCli } from '../support/cli.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';

const NOW = 1_800_000_000;
const SECRET = Buffer.from('3132333435363738393031323334353637383930', 'hex');

describe('second-factor logins without quorum', { timeout: 120_000 }, () => {
  let cluster: EtcdCluster;
  let nodeA: LiveAccess;
  let nodeB: LiveAccess;
  let appA: FastifyInstance;
  let appB: FastifyInstance;
  const offlineA = new OfflineTfa();
  const offlineB = new OfflineTfa();
  const events: { cause: string; reason: string }[] = [];
  let eventLog: EventLog;
  let recoveryKeys: string[] = [];
  const alice = parseUserId('alice@pve');
  // app.inject() requests come from http://localhost: the default relying party.
  const securityKey = new SoftAuthenticator('http://localhost');

  before(async () => {
    cluster = await startEtcdCluster({ size: 3 });
    const hosts = parseEtcdHosts(cluster.url.slice('etcd://'.length));
    const open = (): Promise<LiveAccess> =>
      LiveAccess.open(new EtcdStore(hosts, { writeTimeoutMs: 1_500 }));
    nodeA = await open();
    eventLog = new EventLog(nodeA.store, 'a');
    const ctx = liveContext(nodeA);
    await bootstrap(ctx);
    await ensureServerKeys(ctx, NOW - 100);
    await createUser(ctx, { userid: alice, passwordHash: await hashPassword('alice password') });
    const recovery = generateRecoveryKeys(NOW);
    recoveryKeys = recovery.keys;
    const info = { id: 'a1', description: 'phone', created: NOW - 1000, enable: true };
    await nodeA.store.transact(
      [],
      [
        {
          op: 'put',
          key: KEYS.tfa(alice),
          value: encodeTfaUser(
            {
              totp: [
                {
                  info,
                  totp: { secret: SECRET, algorithm: 'SHA1', digits: 6, period: 30, account: 'a' },
                },
              ],
              u2f: [],
              webauthn: [
                {
                  info: { ...info, id: 'w1', description: 'key' },
                  credential: fromCose(securityKey.id, securityKey.cosePublicKey, 0, {
                    backupEligible: false,
                    backupState: false,
                  }),
                },
              ],
              yubico: [],
              recovery: recovery.stored,
              totpLocked: false,
            },
            1,
          ),
        },
      ],
    );
    nodeB = await open();
    await nodeB.waitForRevision(nodeA.snapshot.revision);
    const options = (live: LiveAccess, offlineTfa: OfflineTfa) => ({
      live,
      now: () => NOW,
      authFailureDelayMs: 0,
      throttle: false as const,
      offlineTfa,
      onAuthFailure: (event: AuthFailureEvent) => {
        events.push(event);
        eventLog.record({ ...event, outcome: 'failure' });
      },
    });
    appA = await buildApi(options(nodeA, offlineA));
    appB = await buildApi(options(nodeB, offlineB));
  });

  after(async () => {
    await appA.close();
    await appB.close();
    await nodeA.close();
    await nodeB.close();
    await cluster.stop();
  });

  const post = async (app: FastifyInstance, form: Record<string, string>) => {
    const response = await app.inject({
      method: 'POST',
      url: '/api2/json/access/ticket',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams(form).toString(),
    });
    return {
      status: response.statusCode,
      data: (JSON.parse(response.body) as { data: Record<string, unknown> | null }).data,
    };
  };
  const login = async (
    app: FastifyInstance,
    answer: string | ((publicKey: { challenge: string; rpId: string }) => string),
  ) => {
    const first = await post(app, { username: 'alice@pve', password: 'alice password' });
    assert.equal(first.status, 200);
    const data = first.data ?? {};
    assert.equal(data['NeedTFA'], 1);
    const ticket = String(data['ticket']);
    const challenge = JSON.parse(
      (/^PVE:!tfa!(.*):[0-9A-F]{8}::/.exec(ticket)?.[1] ?? '').replaceAll('%3A', ':'),
    ) as { webauthn?: { publicKey: { challenge: string; rpId: string } } };
    const publicKey = challenge.webauthn?.publicKey;
    return post(app, {
      username: 'alice@pve',
      'tfa-challenge': ticket,
      password:
        typeof answer === 'string'
          ? answer
          : answer(publicKey ?? assert.fail('no WebAuthn challenge')),
    });
  };
  const webauthn = (publicKey: { challenge: string; rpId: string }): string =>
    `webauthn:${JSON.stringify({ ...securityKey.authenticate(publicKey), challenge: publicKey.challenge })}`;
  const code = (step: number): string =>
    hotpCode({ secret: SECRET, algorithm: 'SHA1', digits: 6 }, step);
  const step = Math.floor(NOW / 30);

  it('accepts TOTP and WebAuthn, refuses replays and recovery keys, and merges once the quorum is back', async () => {
    await cluster.kill(0);
    await cluster.kill(1);

    const accepted = await login(appA, `totp:${code(step)}`);
    assert.equal(accepted.status, 200, 'a TOTP login works without quorum');
    assert.match(String(accepted.data?.['ticket']), /^PVE:alice@pve:/);
    assert.equal(offlineA.storeReadOnly, true);

    const replay = await login(appA, `totp:${code(step)}`);
    assert.equal(replay.status, 401);
    assert.match(events.at(-1)?.reason ?? '', /reused TOTP value/);

    const wrong = await login(appA, 'totp:000000');
    assert.equal(wrong.status, 401);
    assert.equal(events.at(-1)?.cause, 'tfa_wrong_code');

    // WebAuthn: the challenge is kept by this node, the counter recorded here.
    const withKey = await login(appA, webauthn);
    assert.equal(withKey.status, 200, 'a WebAuthn login works without quorum');
    let used = '';
    const replayedKey = await login(appA, (publicKey) => {
      used = webauthn(publicKey);
      return used;
    });
    assert.equal(replayedKey.status, 200);
    const first = await post(appA, { username: 'alice@pve', password: 'alice password' });
    const again = await post(appA, {
      username: 'alice@pve',
      'tfa-challenge': String(first.data?.['ticket']),
      password: used,
    });
    assert.equal(again.status, 401, 'an answer is not accepted twice');

    const recovery = await login(appA, `recovery:${recoveryKeys[0] ?? ''}`);
    assert.equal(recovery.status, 401);
    assert.equal(events.at(-1)?.cause, 'store_read_only');
    assert.match(events.at(-1)?.reason ?? '', /recovery key must be recorded/);

    // doctor, run meanwhile, says why.
    const doctor = await runCli(
      '--store',
      cluster.url,
      '--output-format',
      'json',
      'doctor',
      '--skip-network',
    );
    const store = (
      JSON.parse(doctor.stdout) as { checks: { id: string; status: string; evidence: string[] }[] }
    ).checks.find((c) => c.id === 'store');
    assert.equal(store?.status, 'fail');
    assert.match(store.evidence.join('\n'), /no quorum/);
    assert.equal(doctor.status, 2);

    // Nothing has reached the store yet.
    assert.equal(nodeB.snapshot.tfa.users.get(alice)?.totp[0]?.lastCount, undefined);

    await cluster.restart(0);
    await cluster.restart(1);
    for (let attempt = 0; offlineA.pending > 0 && attempt < 50; attempt++) {
      await offlineA.flush(liveContext(nodeA));
      if (offlineA.pending > 0) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.equal(offlineA.pending, 0, 'the offline state was merged');
    // The audit events of the read-only period reach the store too, and explain them.
    assert.ok(eventLog.pending > 0, 'events waited while the store was read-only');
    await eventLog.flush();
    const recorded = await readEvents(nodeA.store, { user: 'alice@pve' });
    const readOnly = recorded.find((e) => e.cause === 'store_read_only');
    assert.match(readOnly?.reason ?? '', /recovery key must be recorded/);
    assert.match(
      explainEvents([readOnly ?? assert.fail()])[0]?.next ?? '',
      /bring the etcd members back/,
    );
    await nodeB.waitForRevision(nodeA.snapshot.revision);
    const merged = nodeB.snapshot.tfa.users.get(alice);
    assert.equal(merged?.totp[0]?.lastCount, step);
    assert.equal(merged.webauthn[0]?.credential['counter'], securityKey.counter);
    // The failures after the last success were counted: one wrong answer of the key.
    assert.deepEqual(merged.failures, { totp: 0, tfa: 1 });

    // The other node now knows the step was used.
    const elsewhere = await login(appB, `totp:${code(step)}`);
    assert.equal(elsewhere.status, 401);
    const next = await login(appB, `totp:${code(step + 1)}`);
    assert.equal(next.status, 200);
    // And the recovery key, refused without quorum, was not used up.
    const withRecovery = await login(appB, `recovery:${recoveryKeys[0] ?? ''}`);
    assert.equal(withRecovery.status, 200);
    // The counter is known everywhere: a clone starting over is refused on the other node.
    securityKey.counter = 0;
    const clone = await login(appB, webauthn);
    assert.equal(clone.status, 401);
    assert.equal(events.at(-1)?.cause, 'webauthn_counter');
  });
});
