import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readConformanceJson } from '../../test/support/conformance.js';
import type { TotpAlgorithm, TotpParameters } from '../model/totp-uri.js';
import {
  availableRecoveryKeys,
  findRecoveryKey,
  generateRecoveryKeys,
  recoveryHash,
} from './recovery.js';
import { checkTotp, hotpCode } from './totp.js';

interface Vectors {
  readonly hotp: readonly {
    secret_hex: string;
    algorithm: TotpAlgorithm;
    counter: number;
    digits: number;
    expected: string;
  }[];
  readonly totp: readonly {
    secret_hex: string;
    algorithm: TotpAlgorithm;
    period: number;
    unix_time: number;
    digits: number;
    expected: string;
  }[];
}

const vectors = readConformanceJson<Vectors>('proxmox-rs', 'totp.json');

describe('TOTP', () => {
  it('matches the HOTP and TOTP known answers of proxmox-rs', () => {
    for (const v of vectors.hotp) {
      const params = {
        secret: Buffer.from(v.secret_hex, 'hex'),
        algorithm: v.algorithm,
        digits: v.digits,
      };
      assert.equal(hotpCode(params, v.counter), v.expected);
    }
    for (const v of vectors.totp) {
      const params: TotpParameters = {
        secret: Buffer.from(v.secret_hex, 'hex'),
        algorithm: v.algorithm,
        digits: v.digits,
        period: v.period,
        account: 'x',
      };
      assert.deepEqual(checkTotp(params, v.expected, v.unix_time, undefined), {
        ok: true,
        step: Math.floor(v.unix_time / v.period),
      });
    }
  });

  const params: TotpParameters = {
    secret: Buffer.from('a60b1b20679b1a64e21a', 'hex'),
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    account: 'alice@pve',
  };
  const T = 1_800_000_000;
  const step = Math.floor(T / 30);

  it('accepts the previous, current and next step only', () => {
    for (const delta of [-1, 0, 1]) {
      assert.deepEqual(checkTotp(params, hotpCode(params, step + delta), T, undefined), {
        ok: true,
        step: step + delta,
      });
    }
    for (const delta of [-2, 2])
      assert.equal(checkTotp(params, hotpCode(params, step + delta), T, undefined).ok, false);
  });

  it('refuses a replayed step and codes of the wrong form', () => {
    const code = hotpCode(params, step);
    assert.deepEqual(checkTotp(params, code, T, step), { ok: false, replay: true });
    assert.deepEqual(checkTotp(params, code, T, step - 1), { ok: true, step });
    for (const bad of [` ${code}`, code.slice(1), `${code}0`, 'abcdef', ''])
      assert.equal(checkTotp(params, bad, T, undefined).ok, false);
  });
});

describe('recovery keys', () => {
  it('hash as Proxmox does (HMAC keyed with the hex text)', () => {
    assert.equal(
      recoveryHash('0123456789abcdef', '0011-2233-4455-6677'),
      'fd37d359ffbd1fce921035c09a386ae02e67c6e39ea3b8f608777daed41756c4',
    );
  });

  it('are 10 single-use keys in Proxmox form', () => {
    const { keys, stored } = generateRecoveryKeys(T0);
    assert.equal(keys.length, 10);
    for (const key of keys) assert.match(key, /^[0-9a-f]{4}(-[0-9a-f]{4}){3}$/);
    assert.equal(findRecoveryKey(stored, keys[3] ?? ''), 3);
    assert.equal(findRecoveryKey(stored, (keys[3] ?? '').toUpperCase()), undefined);
    const used = { ...stored, entries: stored.entries.map((e, i) => (i === 3 ? null : e)) };
    assert.equal(findRecoveryKey(used, keys[3] ?? ''), undefined);
    assert.deepEqual(availableRecoveryKeys(used), [0, 1, 2, 4, 5, 6, 7, 8, 9]);
  });
});

const T0 = 1_800_000_000;
