import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { serializeBackup } from './backup-file.js';
import { MemoryStore } from './memory.js';
import { restoreStore } from './restore.js';
import { keyFile } from './store-key.js';

const CREATED = new Date('2026-12-07T00:00:00Z');

describe('restoreStore', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-restore-unit-'));
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const keys = keyFile(join(dir, 'store.key'));
  const write = (name: string, text: string): string => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  const good = new Map([
    ['users/alice@pve', '{"enable":true,"expire":0}'],
    ['groups/staff', '{"members":["alice@pve"],"comment":""}'],
  ]);

  it('refuses a value that does not decode, though the checksum matches', async () => {
    const file = write(
      'undecodable',
      serializeBackup(
        'memory:',
        { revision: 3, entries: new Map([...good, ['users/bob@pve', '{"enable":"yes"}']]) },
        CREATED,
      ),
    );
    const store = new MemoryStore();
    await assert.rejects(restoreStore(file, store, { force: false, keys }), {
      message: `backup ${file} is damaged: the value of users/bob@pve does not decode (ignored: 'enable' must be a boolean); nothing restored`,
    });
    assert.equal((await store.snapshot()).revision, 0);
  });

  it('refuses a key count or a line the header does not promise', async () => {
    const text = serializeBackup('memory:', { revision: 3, entries: good }, CREATED);
    const dropped = write('dropped', text.split('\n').slice(0, 2).join('\n') + '\n');
    await assert.rejects(restoreStore(dropped, new MemoryStore(), { force: false, keys }), {
      message: `backup ${dropped} is damaged: the header promises 2 keys, it holds 1; nothing restored`,
    });
    const newer = write('newer', text.replace('"version":1', '"version":2'));
    await assert.rejects(restoreStore(newer, new MemoryStore(), { force: false, keys }), {
      message: `backup ${newer} is of version 2, this Tessera reads version 1; nothing restored`,
    });
  });

  it('replaces a configuration only with force, keys the backup lacks included', async () => {
    const file = write('good', serializeBackup('memory:', { revision: 3, entries: good }, CREATED));
    const store = new MemoryStore();
    await store.transact([], [{ op: 'put', key: 'users/eve@pve', value: '{"enable":true}' }]);
    await assert.rejects(restoreStore(file, store, { force: false, keys }), {
      message:
        'the store memory: holds a configuration (1 key(s)): pass --force to replace it with the backup; nothing restored',
    });
    const result = await restoreStore(file, store, { force: true, keys });
    assert.deepEqual(
      { revision: result.revision, keys: result.keys, replaced: result.replaced },
      { revision: 3, keys: 2, replaced: 1 },
    );
    const after = await store.snapshot();
    assert.deepEqual(new Map([...after.entries].map(([key, entry]) => [key, entry.value])), good);
  });
});
