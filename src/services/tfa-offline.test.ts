import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TfaUser } from '../model/tfa.js';
import { mergeOfflineState } from './tfa-offline.js';

const user = (failures: { totp: number; tfa: number }, lastCount?: number): TfaUser => ({
  totp: [
    {
      info: { id: 't', description: '', created: 0, enable: true },
      totp: { secret: new Uint8Array(10), algorithm: 'SHA1', digits: 6, period: 30, account: 'a' },
      ...(lastCount !== undefined ? { lastCount } : {}),
    },
  ],
  u2f: [],
  webauthn: [],
  yubico: [],
  totpLocked: false,
  failures,
});

describe('merging second-factor state kept while the store was read-only', () => {
  it('gives the same result when merged twice (a timed-out write may have landed)', () => {
    const base = user({ totp: 1, tfa: 1 });
    const overlay = { base, current: user({ totp: 3, tfa: 4 }, 50) };
    const once = mergeOfflineState(base, overlay);
    assert.deepEqual(once.failures, { totp: 3, tfa: 4 });
    assert.equal(once.totp[0]?.lastCount, 50);
    assert.deepEqual(mergeOfflineState(once, overlay), once);
  });

  it('keeps a reset made by a success here, plus what others counted since', () => {
    const base = user({ totp: 2, tfa: 5 });
    const overlay = { base, current: user({ totp: 0, tfa: 0 }, 60) };
    assert.equal(mergeOfflineState(base, overlay).failures, undefined, 'no failures left');
    const elsewhere = user({ totp: 3, tfa: 7 }, 40);
    const merged = mergeOfflineState(elsewhere, overlay);
    assert.deepEqual(merged.failures, { totp: 1, tfa: 2 });
    assert.equal(merged.totp[0]?.lastCount, 60);
  });
});
