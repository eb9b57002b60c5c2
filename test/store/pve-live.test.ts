/**
 * `pve-dir:<dir>?state=<file>`: the configuration written back into Proxmox's own files
 * (only the files a change touches, whole, by rename, under the cfs locks), Tessera's own
 * keys in the sidecar store, conditions checked against the files as they are under the
 * lock, and changes made by others followed.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { isTesseraError } from '../../src/errors.js';
import { fileLockId } from '../../src/store/cfs-lock.js';
import type { ChangeBatch } from '../../src/store/config-store.js';
import { unchanged } from '../../src/store/config-store.js';
import { MemoryStore } from '../../src/store/memory.js';
import { openStore } from '../../src/store/open.js';
import { PveLiveStore } from '../../src/store/pve-live.js';
import { makePveDir, type PveDir } from '../support/pve-dir.js';
import { proxmoxPasswordCheck } from '../support/pve-auth.js';
import { runOracle } from '../support/api-schema.js';
import { createToken, updateToken } from '../../src/services/tokens.js';
import { parseTokenId, parseTokenName, parseUserId } from '../../src/model/ids.js';
import { storeContext } from '../../src/services/context.js';
import { setPasswordHashKind } from '../../src/services/settings.js';
import { changePassword, createUser } from '../../src/services/users.js';

const USER_CFG = 'user:root@pam:1:0::::::\nuser:alice@pve:1:0::::::\n\ngroup:ops:alice@pve::\n\n';
const DOMAINS_CFG =
  'pam: pam\n\tcomment Linux PAM standard authentication\n\npve: pve\n\tcomment Proxmox VE authentication server\n\n';

describe('pve-dir live store', () => {
  let dir: PveDir;
  const stores: { close(): Promise<void> }[] = [];
  const open = (options = {}): PveLiveStore => {
    const store = new PveLiveStore(dir.path, new MemoryStore(), { pollMs: 50, ...options });
    stores.push(store);
    return store;
  };
  const fresh = (): void => {
    dir = makePveDir({ 'user.cfg': USER_CFG, 'domains.cfg': DOMAINS_CFG });
  };
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    dir.remove();
  });

  it('writes the files a change touches, whole and by rename, and Tessera’s own keys beside them', async () => {
    fresh();
    const store = open();
    const before = await store.snapshot();
    const alice = before.entries.get('users/alice@pve');
    assert.ok(alice !== undefined);
    const domainsMtime = statSync(join(dir.path, 'domains.cfg')).mtimeMs;
    const userIno = statSync(join(dir.path, 'user.cfg')).ino;
    const comment = JSON.stringify({ ...JSON.parse(alice.value), comment: 'on call' });
    const revision = await store.transact(
      [unchanged(before, 'users/alice@pve')],
      [
        { op: 'put', key: 'users/alice@pve', value: comment },
        { op: 'put', key: 'events/0001', value: '{"what":"test"}' },
      ],
    );
    assert.ok(revision > before.revision);
    assert.equal(
      readFileSync(join(dir.path, 'user.cfg'), 'utf8'),
      'user:alice@pve:1:0::::on call::\nuser:root@pam:1:0::::::\n\ngroup:ops:alice@pve::\n\n\n\n',
    );
    // A rename gives the file a new inode: readers saw the old file or the new one.
    assert.notEqual(statSync(join(dir.path, 'user.cfg')).ino, userIno);
    assert.equal(statSync(join(dir.path, 'domains.cfg')).mtimeMs, domainsMtime);
    for (const file of ['priv/shadow.cfg', 'priv/tfa.cfg', 'priv/token.cfg', 'datacenter.cfg'])
      assert.equal(existsSync(join(dir.path, file)), false, file);
    assert.equal(existsSync(join(dir.path, 'priv', 'lock', fileLockId('user.cfg'))), false);
    const after = await store.snapshot();
    assert.equal(after.entries.get('events/0001')?.value, '{"what":"test"}');
    assert.equal(after.entries.get('users/alice@pve')?.value, comment);
  });

  it('fails with conflict when pveum changed an entity after it was read, and keeps pveum’s change', async () => {
    fresh();
    const store = open();
    const before = await store.snapshot();
    const alice = before.entries.get('users/alice@pve');
    assert.ok(alice !== undefined);
    dir.write('user.cfg', USER_CFG.replace('alice@pve:1:0::::::', 'alice@pve:1:0:::by pveum:::'));
    await assert.rejects(
      store.transact(
        [unchanged(before, 'users/alice@pve')],
        [{ op: 'put', key: 'users/alice@pve', value: alice.value }],
      ),
      (err) => isTesseraError(err, 'conflict'),
    );
    assert.match(readFileSync(join(dir.path, 'user.cfg'), 'utf8'), /by pveum/);
    // A change to another entity of the same file is no conflict, and keeps pveum's line.
    const again = await store.snapshot();
    await store.transact(
      [unchanged(again, 'groups/dev')],
      [{ op: 'put', key: 'groups/dev', value: '{"members":[]}' }],
    );
    const text = readFileSync(join(dir.path, 'user.cfg'), 'utf8');
    assert.match(text, /by pveum/);
    assert.match(text, /^group:dev:::$/m);
  });

  it('waits for pveum’s lock, gives up after the timeout, and breaks a lock older than 120 s', async () => {
    fresh();
    const store = open({ lock: { timeoutMs: 300 } });
    const before = await store.snapshot();
    const lock = join(dir.path, 'priv', 'lock', fileLockId('user.cfg'));
    mkdirSync(lock, { recursive: true });
    const put = { op: 'put', key: 'groups/dev', value: '{"members":[]}' } as const;
    await assert.rejects(store.transact([unchanged(before, 'groups/dev')], [put]), (err) => {
      assert.ok(isTesseraError(err, 'conflict'));
      assert.match(err.message, /cfs-lock 'file-user_cfg' error: got lock request timeout/);
      return true;
    });
    assert.doesNotMatch(readFileSync(join(dir.path, 'user.cfg'), 'utf8'), /group:dev/);
    const stale = new Date(Date.now() - 121_000);
    utimesSync(lock, stale, stale);
    await store.transact([unchanged(before, 'groups/dev')], [put]);
    assert.match(readFileSync(join(dir.path, 'user.cfg'), 'utf8'), /group:dev/);
    assert.equal(existsSync(lock), false);
  });

  it('refuses writes cleanly when the directory takes none (no quorum), committing nothing', async () => {
    fresh();
    const store = open();
    const before = await store.snapshot();
    // pmxcfs without quorum refuses the lock's mkdir (EACCES); the test runs as root, whom
    // only a filesystem that takes no directories refuses: sysfs (EPERM) stands in.
    mkdirSync(join(dir.path, 'priv'), { recursive: true });
    symlinkSync('/sys', join(dir.path, 'priv', 'lock'));
    await assert.rejects(
      store.transact(
        [],
        [
          { op: 'put', key: 'groups/dev', value: '{"members":[]}' },
          { op: 'put', key: 'events/0001', value: '{}' },
        ],
      ),
      (err) => isTesseraError(err, 'store_read_only'),
    );
    // doctor's question gets the same answer, without writing anything.
    await assert.rejects(store.canWrite(), (err) => isTesseraError(err, 'store_read_only'));
    const after = await store.snapshot();
    assert.equal(after.entries.has('events/0001'), false);
    assert.equal(after.entries.has('groups/dev'), false);
    assert.equal(after.revision, before.revision);
  });

  it('refuses secrets Proxmox could not check: an argon2 password hash, a hashed token secret', async () => {
    fresh();
    const store = open();
    const before = await store.snapshot();
    await assert.rejects(
      store.transact(
        [],
        [
          {
            op: 'put',
            key: 'secrets/passwords/alice@pve',
            value: JSON.stringify({ hash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA', seq: 1 }),
          },
        ],
      ),
      (err) => isTesseraError(err, 'rejected') && err.message.includes('priv/shadow.cfg'),
    );
    await assert.rejects(
      store.transact(
        [],
        [{ op: 'put', key: 'secrets/tokens/alice@pve!ci', value: '{"secret":"$hmac-sha256$s$d"}' }],
      ),
      (err) => isTesseraError(err, 'rejected') && err.message.includes('priv/token.cfg'),
    );
    assert.equal(existsSync(join(dir.path, 'priv', 'shadow.cfg')), false);
    // A crypt(3) hash, as pveum writes it, goes in.
    await store.transact(
      [unchanged(before, 'secrets/passwords/alice@pve')],
      [
        {
          op: 'put',
          key: 'secrets/passwords/alice@pve',
          value: JSON.stringify({ hash: '$5$salt$hash', seq: 1 }),
        },
      ],
    );
    assert.equal(
      readFileSync(join(dir.path, 'priv', 'shadow.cfg'), 'utf8'),
      'alice:$5$salt$hash:\n',
    );
  });

  it('refuses to rewrite a file with lines it could not read', async () => {
    fresh();
    dir.write('user.cfg', `${USER_CFG}bogus:line\n`);
    const store = open();
    const before = await store.snapshot();
    await assert.rejects(
      store.transact(
        [unchanged(before, 'groups/dev')],
        [{ op: 'put', key: 'groups/dev', value: '{"members":[]}' }],
      ),
      (err) => isTesseraError(err, 'config_invalid') && err.message.includes('user.cfg'),
    );
    assert.match(readFileSync(join(dir.path, 'user.cfg'), 'utf8'), /bogus:line/);
  });

  it('reports a change made by another writer within a second, as a new revision', async () => {
    fresh();
    const store = open();
    const first = await store.snapshot();
    const seen = new Promise<ChangeBatch>((resolve) => {
      const stop = store.watch(first.revision, {
        onChanges: (batch) => {
          if (batch.changes.some((c) => c.key === 'groups/dev')) {
            stop();
            resolve(batch);
          }
        },
        onReset: () => undefined,
      });
    });
    const started = Date.now();
    // The store's own timers do not keep a process alive; this test must stay for them.
    const alive = setTimeout(() => undefined, 5_000);
    dir.write('user.cfg', `${USER_CFG}group:dev:::\n\n`);
    const batch = await seen;
    clearTimeout(alive);
    assert.ok(Date.now() - started < 1000);
    assert.ok(batch.revision > first.revision);
    const now = await store.snapshot();
    assert.equal(now.entries.get('groups/dev')?.revision, batch.revision);
    // Entities the change did not touch keep their revision (conditions on them still hold).
    assert.equal(
      now.entries.get('users/alice@pve')?.revision,
      first.entries.get('users/alice@pve')?.revision,
    );
  });

  it('opens from its URL with a sealed SQLite sidecar, whose keys survive a restart', async () => {
    fresh();
    const state = join(dir.path, '..', `${dir.path.split('/').pop() ?? 'x'}-state.db`);
    const url = `pve-dir:${dir.path}?state=${state}`;
    const first = await openStore(url);
    assert.equal(first.writable, true);
    const snapshot = await first.snapshot();
    await first.transact(
      [unchanged(snapshot, 'sessions/alice@pve')],
      [{ op: 'put', key: 'sessions/alice@pve', value: '{"from":5}' }],
    );
    await first.close();
    const second = await openStore(url);
    stores.push(second);
    assert.equal((await second.snapshot()).entries.get('sessions/alice@pve')?.value, '{"from":5}');
    assert.ok(existsSync(state));
    await assert.rejects(openStore(`pve-dir:${dir.path}?stat=x`), /unknown option 'stat'/);
  });

  it('with the store’s password hash on sha512-crypt, writes passwords Proxmox verifies', async () => {
    fresh();
    const ctx = storeContext(open());
    await setPasswordHashKind(ctx, 'sha512-crypt');
    await createUser(ctx, { userid: parseUserId('pat@pve'), password: 'live password 8' });
    await changePassword(ctx, parseUserId('alice@pve'), 'alice password 9', undefined);
    const shadow = readFileSync(join(dir.path, 'priv', 'shadow.cfg'), 'utf8');
    assert.match(shadow, /^pat:\$6\$rounds=/m);
    assert.deepEqual(
      proxmoxPasswordCheck(dir.path, [
        { user: 'pat@pve', password: 'live password 8' },
        { user: 'alice@pve', password: 'alice password 9' },
        { user: 'pat@pve', password: 'wrong' },
      ]),
      ['ok', 'ok', 'invalid credentials'],
    );
  });

  it('keeps the secrets of tokens it creates as Proxmox does, so the nodes accept them', async () => {
    fresh();
    const ctx = storeContext(open());
    const made = await createToken(ctx, parseUserId('alice@pve'), parseTokenName('ci'));
    const regenerated = await updateToken(ctx, parseTokenId('alice@pve!ci'), { regenerate: true });
    assert.notEqual(regenerated.value, made.value);
    const tokenCfg = readFileSync(join(dir.path, 'priv', 'token.cfg'), 'utf8');
    assert.equal(tokenCfg, `alice@pve!ci ${regenerated.value ?? ''}\n`);
    const files = {
      'user.cfg': readFileSync(join(dir.path, 'user.cfg'), 'utf8'),
      'priv/token.cfg': tokenCfg,
    };
    assert.deepEqual(
      runOracle({
        files,
        queries: [
          { op: 'verify_token', value: `alice@pve!ci=${regenerated.value ?? ''}` },
          { op: 'verify_token', value: `alice@pve!ci=${made.value}` },
        ],
      }),
      [{ tokenid: 'alice@pve!ci' }, { error: 'invalid token value!\n' }],
    );
  });
});
