import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readConformanceJson } from '../../test/support/conformance.js';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { encrypt } from 'unixcrypt';
import { hashPassword, verifyPassword } from './password.js';
import { LOGIN_PASSWORD_MAX_BYTES } from './password-limits.js';

interface CryptVectors {
  readonly verify: readonly { password: string; hash: string; valid: boolean }[];
}

describe('pve realm passwords', () => {
  it('verifies the crypt(3) vectors of proxmox-rs', async () => {
    const { verify } = readConformanceJson<CryptVectors>('proxmox-rs', 'crypt.json');
    assert.equal(verify.length, 2);
    for (const v of verify) assert.equal((await verifyPassword(v.hash, v.password)).ok, v.valid);
  });

  it('verifies SHA-512 and custom-round hashes as Linux writes them, and asks for a rehash', async () => {
    // python3 crypt.crypt('correct horse', ...) on Debian.
    for (const hash of [
      '$6$saltsalt$hRM5XZ86KXEw9UOmjigeVqFgULtFB2sgpC9lXQDfMib3Zgw7mEiUvBJI2EplzfAqxL5Vvwp2scFtv/uamSo5z0',
      '$6$rounds=10000$saltsalt$EMCAJaVdD8QpgIn1w2Sq1C8/BIypyMaemdjCDgDu8NxiKn5cVOzQe8ZMNovWPPitzBG6NZOSXfpu45VIxD1OF0',
      '$5$rounds=10000$saltsalt$zoVzFxtD/FUIWmi1BdjqRCHLUq8RVIwaCrFcb2X8/B9',
    ]) {
      assert.deepEqual(await verifyPassword(hash, 'correct horse'), { ok: true, rehash: true });
      assert.deepEqual(await verifyPassword(hash, 'correct horsf'), { ok: false, rehash: false });
    }
  });

  it('hashes new passwords with argon2id, salted', async () => {
    const first = await hashPassword('correct horse');
    const second = await hashPassword('correct horse');
    assert.match(first, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.notEqual(first, second);
    assert.deepEqual(await verifyPassword(first, 'correct horse'), { ok: true, rehash: false });
    assert.deepEqual(await verifyPassword(first, 'correct horsf'), { ok: false, rehash: false });
  });

  it('hashes new passwords with SHA-512-crypt under that setting, as glibc would', async () => {
    const first = await hashPassword('correct horse', undefined, 'sha512-crypt');
    const second = await hashPassword('correct horse', undefined, 'sha512-crypt');
    assert.match(first, /^\$6\$rounds=50000\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}$/);
    assert.notEqual(first, second);
    assert.equal(encrypt('correct horse', first.slice(0, first.lastIndexOf('$'))), first);
    assert.deepEqual(await verifyPassword(first, 'correct horse', undefined, 'sha512-crypt'), {
      ok: true,
      rehash: false,
    });
    assert.deepEqual(await verifyPassword(first, 'correct horsf', undefined, 'sha512-crypt'), {
      ok: false,
      rehash: false,
    });
  });

  it('asks for a rehash exactly when the hash is not of the kind the setting wants', async () => {
    const argon2 = await hashPassword('correct horse');
    const imported = '$5$rounds=10000$saltsalt$zoVzFxtD/FUIWmi1BdjqRCHLUq8RVIwaCrFcb2X8/B9';
    const check = async (stored: string, wanted: 'argon2id' | 'sha512-crypt') =>
      (await verifyPassword(stored, 'correct horse', undefined, wanted)).rehash;
    assert.equal(await check(argon2, 'argon2id'), false);
    assert.equal(await check(argon2, 'sha512-crypt'), true);
    assert.equal(await check(imported, 'argon2id'), true);
    assert.equal(await check(imported, 'sha512-crypt'), false);
  });

  it('refuses what is not a hash it knows', async () => {
    for (const stored of ['', '*', '!', 'plain', '$1$abc$def', '$argon2id$garbage'])
      assert.equal((await verifyPassword(stored, 'plain')).ok, false);
  });

  it('refuses passwords beyond the bound without hashing them', async () => {
    const hash = encrypt('x'.repeat(LOGIN_PASSWORD_MAX_BYTES), '$6$saltsalt');
    assert.equal((await verifyPassword(hash, 'x'.repeat(LOGIN_PASSWORD_MAX_BYTES))).ok, true);
    const started = performance.now();
    for (const password of [
      'x'.repeat(LOGIN_PASSWORD_MAX_BYTES + 1),
      // 342 characters, 1026 bytes.
      '\u20ac'.repeat(342),
      'x'.repeat(1024 * 1024),
    ])
      assert.deepEqual(await verifyPassword(hash, password), { ok: false, rehash: false });
    assert.ok(performance.now() - started < 50);
  });

  it('never verifies a crypt hash beyond the rounds bound', async () => {
    const hash = encrypt('correct horse', '$6$rounds=100001$saltsalt');
    const started = performance.now();
    assert.deepEqual(await verifyPassword(hash, 'correct horse'), { ok: false, rehash: false });
    assert.ok(performance.now() - started < 50);
    assert.deepEqual(
      await verifyPassword(encrypt('correct horse', '$6$rounds=100000$saltsalt'), 'correct horse'),
      { ok: true, rehash: true },
    );
  });

  it('computes crypt hashes off the event loop', async () => {
    // The costliest check Tessera runs (most rounds, longest password): about 0.3 s of one
    // core each, so on the event loop each would hold it at least that long. The bound
    // leaves room for a machine busy with other work.
    const hash = encrypt('correct horse', '$6$rounds=100000$saltsalt');
    const long = 'w'.repeat(1000);
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const checks = await Promise.all(
      [1, 2, 3, 4].map((i) => verifyPassword(hash, `${long}${String(i)}`, `192.0.2.${String(i)}`)),
    );
    delay.disable();
    assert.ok(checks.every((c) => !c.ok));
    assert.ok(delay.max / 1e6 < 250, `event loop held for ${String(delay.max / 1e6)} ms`);
  });
});
