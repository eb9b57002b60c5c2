/**
 * WebAuthn challenges in the store: written when handed out, and those left unanswered past
 * their 120 s swept by the next one written, so abandoned logins do not pile up.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseUserId } from '../../src/model/ids.js';
import { liveContext } from '../../src/services/context.js';
import { findChallenge, storeChallenge } from '../../src/services/tfa-challenges.js';
import { LiveAccess } from '../../src/store/live.js';
import { MemoryStore } from '../../src/store/memory.js';

const T = 1_800_000_000;

describe('stored WebAuthn challenges', () => {
  it('sweeps expired challenges when a new one is written', async () => {
    const live = await LiveAccess.open(new MemoryStore());
    const ctx = liveContext(live);
    const pending = (challenge: string, created: number) => ({
      challenge,
      userid: parseUserId('alice@pve'),
      kind: 'login' as const,
      created,
      rpId: 'localhost',
      origin: 'http://localhost',
    });
    await storeChallenge(ctx, pending('old', T));
    await storeChallenge(ctx, pending('recent', T + 100));
    assert.deepEqual([...live.snapshot.tfaChallenges.keys()].sort(), ['old', 'recent']);
    await storeChallenge(ctx, pending('new', T + 121));
    assert.deepEqual([...live.snapshot.tfaChallenges.keys()].sort(), ['new', 'recent']);
    assert.equal((await findChallenge(ctx, 'new'))?.created, T + 121);
    assert.equal(await findChallenge(ctx, 'old', undefined, 50), undefined);
    await live.close();
  });
});
