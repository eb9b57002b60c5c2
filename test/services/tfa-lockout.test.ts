/**
 * Lockout boundaries of second factors, with Proxmox's limits: the 8th failed TOTP answer
 * locks TOTP (the 7th does not), a recovery key lifts that lock; the 100th failure of any
 * kind locks every factor for an hour (the 99th does not), and after the hour the count
 * starts afresh. Counters live in the store, so failures on two nodes add up.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseUserId } from '../../src/model/ids.js';
import type { TfaUser } from '../../src/model/tfa.js';
import { liveContext } from '../../src/services/context.js';
import { answerSecondFactor, unlockTfa } from '../../src/services/tfa.js';
import { encodeTfaUser, KEYS } from '../../src/store/codec.js';
import { LiveAccess } from '../../src/store/live.js';
import { MemoryStore } from '../../src/store/memory.js';
import { generateRecoveryKeys } from '../../src/tfa/recovery.js';
import { hotpCode } from '../../src/tfa/totp.js';

const T = 1_800_000_000;
const alice = parseUserId('alice@pve');
const secret = Buffer.from('48656c6c6f21deadbeef', 'hex');

async function setUp(): Promise<{ nodes: LiveAccess[]; keys: string[]; store: MemoryStore }> {
  const store = new MemoryStore();
  const recovery = generateRecoveryKeys(T);
  const user: TfaUser = {
    totp: [
      {
        info: { id: 't1', description: '', created: T, enable: true },
        totp: { secret, algorithm: 'SHA1', digits: 6, period: 30, account: 'alice@pve' },
      },
    ],
    u2f: [],
    webauthn: [],
    yubico: [],
    recovery: recovery.stored,
    totpLocked: false,
  };
  await store.transact([], [{ op: 'put', key: KEYS.tfa(alice), value: encodeTfaUser(user, 1) }]);
  const nodes = [await LiveAccess.open(store), await LiveAccess.open(store)];
  return { nodes, keys: recovery.keys, store };
}

const code = (at: number): string =>
  hotpCode({ secret, algorithm: 'SHA1', digits: 6 }, Math.floor(at / 30));

describe('second-factor lockouts', () => {
  it('locks TOTP at the 8th failure, counted across nodes, and a recovery key unlocks it', async () => {
    const { nodes, keys } = await setUp();
    const answer = (i: number, value: string, type: 'totp' | 'recovery' = 'totp', at = T) =>
      answerSecondFactor(liveContext(nodes[i % 2] ?? assert.fail()), alice, { type, value }, at);
    for (let i = 1; i <= 7; i++) assert.deepEqual((await answer(i, '000000')).ok, false);
    assert.equal(nodes[0]?.snapshot.tfa.users.get(alice)?.totpLocked, false, 'not after 7');
    const eighth = await answer(8, '000000');
    assert.equal(eighth.ok ? '' : eighth.cause, 'totp_locked');
    const ninth = await answer(9, code(T));
    assert.equal(ninth.ok ? '' : ninth.cause, 'totp_locked', 'even the right code, after the lock');
    assert.deepEqual(await answer(10, keys[0] ?? '', 'recovery'), { ok: true });
    assert.deepEqual(await answer(11, code(T + 30)), { ok: true });
    for (const node of nodes) await node.close();
  });

  it('lifts a lock through unlock, and says whether there was one', async () => {
    const { nodes } = await setUp();
    const ctx = liveContext(nodes[0] ?? assert.fail());
    for (let i = 0; i < 8; i++)
      await answerSecondFactor(ctx, alice, { type: 'totp', value: '000000' }, T);
    assert.equal(await unlockTfa(ctx, alice, T), true);
    assert.equal(await unlockTfa(ctx, alice, T), false);
    assert.deepEqual(await answerSecondFactor(ctx, alice, { type: 'totp', value: code(T) }, T), {
      ok: true,
    });
    await assert.rejects(unlockTfa(ctx, parseUserId('nobody@pve'), T), /no such user/);
    for (const node of nodes) await node.close();
  });

  it('locks every factor at the 100th failure (not the 99th, the 101st is refused) for an hour, then counts afresh', async () => {
    const { nodes, keys } = await setUp();
    const ctx = liveContext(nodes[0] ?? assert.fail());
    const bad = (at: number) =>
      answerSecondFactor(ctx, alice, { type: 'recovery', value: 'ffff-ffff-ffff-ffff' }, at);
    for (let i = 1; i <= 99; i++) assert.equal((await bad(T)).ok, false);
    assert.equal(
      nodes[0]?.snapshot.tfa.users.get(alice)?.tfaLockedUntil,
      undefined,
      'not after 99',
    );
    const hundredth = await bad(T);
    assert.equal(hundredth.ok ? '' : hundredth.cause, 'tfa_locked');
    assert.equal(
      nodes[1]?.snapshot.tfa.users.get(alice)?.tfaLockedUntil,
      T + 3600,
      'on every node',
    );
    // The 101st answer meets the lock: refused, not counted, the lock not extended.
    const hundredAndFirst = await bad(T + 10);
    assert.equal(hundredAndFirst.ok ? '' : hundredAndFirst.cause, 'tfa_locked');
    const locked = nodes[0]?.snapshot.tfa.users.get(alice);
    assert.equal(locked?.tfaLockedUntil, T + 3600, 'the 101st does not extend the lock');
    assert.equal(locked.failures, undefined, 'nothing counted while locked');
    const during = await answerSecondFactor(
      ctx,
      alice,
      { type: 'recovery', value: keys[1] ?? '' },
      T + 3599,
    );
    assert.equal(
      during.ok ? '' : during.cause,
      'tfa_locked',
      'recovery keys do not help during the lock',
    );
    // After the hour: one more failure does not lock again at once (unlike Proxmox).
    const after = await bad(T + 3601);
    assert.equal(after.ok ? '' : after.cause, 'tfa_wrong_code');
    assert.deepEqual(
      await answerSecondFactor(ctx, alice, { type: 'totp', value: code(T + 3601) }, T + 3601),
      { ok: true },
    );
    assert.equal(
      nodes[0]?.snapshot.tfa.users.get(alice)?.failures,
      undefined,
      'a success clears the count',
    );
    for (const node of nodes) await node.close();
  });
});
