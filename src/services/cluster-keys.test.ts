/**
 * The cluster's key files as `import` and `serve --pve-keys` read them: odd files are
 * refused with the file named, a directory without priv/authkey.key keeps Tessera's keys.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isTesseraError } from '../errors.js';
import { MemoryStore } from '../store/memory.js';
import { makePveDir } from '../../test/support/pve-dir.js';
import { readClusterKeys, readClusterKeysIfAny } from './cluster-keys.js';
import { importPveDir } from './transfer.js';

function rsa(bits = 2048): { priv: string; pub: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return {
    priv: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    pub: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}
const pair = rsa();
const other = rsa();
const good = {
  'priv/authkey.key': pair.priv,
  'authkey.pub': pair.pub,
  'pve-www.key': other.priv,
};

async function refusal(
  files: Record<string, string>,
  prepare?: (dir: string) => void,
): Promise<string> {
  const dir = makePveDir(files);
  try {
    prepare?.(dir.path);
    await readClusterKeys(dir.path);
  } catch (err) {
    assert.ok(isTesseraError(err, 'config_invalid'), String(err));
    return err.message.replaceAll(dir.path, '<dir>');
  } finally {
    dir.remove();
  }
  assert.fail('the key files were taken');
}

describe('the cluster key files', () => {
  it('are taken when all are sound, with the mtime of authkey.pub', async () => {
    const dir = makePveDir({ ...good, 'authkey.pub.old': other.pub });
    try {
      const keys = await readClusterKeys(dir.path);
      const ring = JSON.parse(keys.ticket) as { origin: string; previous: { public: string } };
      assert.equal(ring.origin, 'pve');
      assert.equal(ring.previous.public, other.pub);
      assert.deepEqual(JSON.parse(keys.csrf), {
        origin: 'pve',
        key: Buffer.from(other.priv).toString('base64'),
      });
    } finally {
      dir.remove();
    }
  });

  it('are refused when odd, naming the file and the reason', async () => {
    assert.equal(await refusal({ ...good, 'pve-www.key': '' }), '<dir>/pve-www.key: is empty');
    assert.match(
      await refusal({ ...good, 'authkey.pub': other.pub }),
      /^<dir>\/authkey\.pub: not the public half of <dir>\/priv\/authkey\.key$/,
    );
    assert.match(
      await refusal({ ...good, 'priv/authkey.key': 'not a key\n' }),
      /^<dir>\/priv\/authkey\.key: expected an RSA private key in PEM form/,
    );
    const ed = generateKeyPairSync('ed25519');
    assert.equal(
      await refusal({
        ...good,
        'authkey.pub.old': ed.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      }),
      '<dir>/authkey.pub.old: expected an RSA public key, found a ed25519 key',
    );
    const small = rsa(1024);
    assert.equal(
      await refusal({
        'priv/authkey.key': small.priv,
        'authkey.pub': small.pub,
        'pve-www.key': 'x',
      }),
      '<dir>/priv/authkey.key: expected at least 2048 bits, found 1024',
    );
    assert.match(
      await refusal({ 'authkey.pub': pair.pub, 'pve-www.key': 'x' }),
      /^<dir>\/priv\/authkey\.key: missing/,
    );
    if (process.getuid?.() !== 0)
      assert.match(
        await refusal(good, (dir) => {
          chmodSync(join(dir, 'priv/authkey.key'), 0o000);
        }),
        /^cannot read <dir>\/priv\/authkey\.key: /,
      );
  });

  it('are optional for import: without priv/authkey.key Tessera keeps its own keys', async () => {
    const dir = makePveDir({ 'authkey.pub': pair.pub, 'pve-www.key': 'x', 'user.cfg': '' });
    try {
      assert.equal(await readClusterKeysIfAny(dir.path), undefined);
      const store = new MemoryStore();
      const result = await importPveDir(store, dir.path);
      assert.equal(result.clusterKeys, undefined);
      const keys = [...(await store.snapshot()).entries.keys()].filter((k) =>
        k.startsWith('secrets/keys/'),
      );
      assert.deepEqual(keys, []);
    } finally {
      dir.remove();
    }
  });

  it('fail the whole import when present but odd', async () => {
    const dir = makePveDir({ ...good, 'pve-www.key': '', 'user.cfg': 'user:a@pve:1:0::::::\n' });
    const store = new MemoryStore();
    try {
      await assert.rejects(importPveDir(store, dir.path), /pve-www\.key: is empty/);
      assert.equal((await store.snapshot()).entries.size, 0);
    } finally {
      dir.remove();
    }
  });
});
