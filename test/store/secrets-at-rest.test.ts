/**
 * Secrets at rest: after an import, key rotation, a password change, a deleted user and a
 * deleted token, the raw SQLite files (database and write-ahead log) hold no secret, old or
 * current, and its change history keeps no replaced one; without its key, or with another
 * one, the store refuses to open with a message naming the key; plain secrets an earlier
 * version wrote are sealed; on etcd, neither the current values nor the history reveal one.
 */
import assert from 'node:assert/strict';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { Etcd3 } from 'etcd3';
import { parseTokenId, parseUserId } from '../../src/model/ids.js';
import { ensureServerKeys } from '../../src/services/server-keys.js';
import { deleteToken } from '../../src/services/tokens.js';
import { deleteUser, setPasswordHash } from '../../src/services/users.js';
import { isSecretKey } from '../../src/store/codec.js';
import type { ConfigStore, StoreSnapshot } from '../../src/store/config-store.js';
import { LiveAccess } from '../../src/store/live.js';
import { openStore } from '../../src/store/open.js';
import { isSealed, SealedStore } from '../../src/store/sealed.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { bootstrap } from '../../src/services/bootstrap.js';
import { liveContext, storeContext } from '../../src/services/context.js';
import { runCli } from '../support/cli.js';
import { call, freePort, start, stop } from '../support/serve.js';
import { startEtcdCluster } from '../support/etcd-cluster.js';
import { makePveDir } from '../support/pve-dir.js';

const TFA_CFG =
  '{"users":{"alice@pve":{"totp":[{"id":"3f1c9a5e-0000-4000-8000-000000000001","description":"phone","created":1699990000,' +
  '"entry":{"totp":"otpauth://totp/Proxmox:alice%40pve?secret=JBSWY3DPEHPK3PXP&digits=6&algorithm=SHA1&period=30&issuer=Proxmox","last-count":56666667}}],' +
  '"yubico":[{"id":"3f1c9a5e-0000-4000-8000-000000000003","description":"key","created":1699990300,"entry":"ccccccbcdefg"}],' +
  '"recovery":{"secret":"0123456789abcdef","entries":["fd37d359ffbd1fce921035c09a386ae02e67c6e39ea3b8f608777daed41756c4",null],"created":1699990200}}}}';

const HASH = '$5$fixedsalt$Mwah3bMSwvvaEV0hlWPoarnUvDU5s/ycQSAQL5.y0t6';
const NEW_HASH = '$5$othersalt$zzNewHashZZ0123456789abcdefghijklmnopqrstuv';

const FILES = {
  'user.cfg':
    'user:root@pam:1:0::::::\nuser:alice@pve:1:0::::::\ntoken:alice@pve!ci:0:1::\nuser:bob@pve:1:0::::::\n\n',
  'domains.cfg':
    'pve: pve\n\tcomment Proxmox VE authentication server\n\n' +
    'pam: pam\n\tcomment Linux PAM standard authentication\n\n' +
    'ldap: corp\n\tbase_dn dc=corp,dc=local\n\tuser_attr uid\n\tserver1 127.0.0.1\n\tport 1\n\n' +
    'openid: sso\n\tissuer-url https://127.0.0.1:1/realms/x\n\tclient-id pve\n\tclient-key OIDC-CLIENT-SECRET-4711\n',
  'priv/shadow.cfg': `alice:${HASH}:\nbob:${HASH}:\n`,
  'priv/token.cfg': 'alice@pve!ci 11111111-2222-4333-8444-555555555555\n',
  'priv/tfa.cfg': TFA_CFG,
  'priv/realm/corp.pw': 'BIND-SECRET-0815',
};

/** Every string of 12 characters or more in the secret values of a snapshot. */
function secretStrings(snapshot: StoreSnapshot): Set<string> {
  const found = new Set<string>();
  const walk = (value: unknown): void => {
    if (typeof value === 'string') {
      for (const run of value.match(/[A-Za-z0-9+/=$._-]{12,}/g) ?? []) found.add(run);
    } else if (typeof value === 'object' && value !== null)
      for (const v of Object.values(value)) walk(v);
  };
  for (const [key, entry] of snapshot.entries) if (isSecretKey(key)) walk(JSON.parse(entry.value));
  return found;
}

function rawBytes(db: string): string {
  let text = '';
  for (const file of [db, `${db}-wal`]) {
    try {
      text += readFileSync(file).toString('latin1');
    } catch {
      // No write-ahead log after a checkpoint.
    }
  }
  return text;
}

describe('secrets at rest', { timeout: 120_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), 'tessera-secrets-'));
  const source = makePveDir(FILES);
  after(() => {
    source.remove();
    rmSync(work, { recursive: true, force: true });
  });
  const dataDir = join(work, 'data');
  const db = join(dataDir, 'tessera.db');

  it('keeps no secret, current or replaced, readable in the SQLite files', async () => {
    const imported = await runCli('--store', `sqlite:${db}`, 'import', '--pve-dir', source.path);
    assert.equal(imported.status, 0, imported.stderr);
    assert.equal(statSync(join(dataDir, 'store.key')).mode & 0o777, 0o600);

    const live = await LiveAccess.open(await openStore(`sqlite:${db}`));
    const ctx = liveContext(live);
    await ensureServerKeys(ctx, Math.floor(Date.now() / 1000));
    const secrets = secretStrings(await live.store.snapshot());
    await setPasswordHash(ctx, parseUserId('alice@pve'), NEW_HASH);
    await deleteUser(ctx, parseUserId('bob@pve'));
    await deleteToken(ctx, parseTokenId('alice@pve!ci'));
    for (const value of secretStrings(await live.store.snapshot())) secrets.add(value);
    await live.close();

    for (const named of [
      HASH,
      NEW_HASH,
      'JBSWY3DPEHPK3PXP',
      'ccccccbcdefg',
      'OIDC-CLIENT-SECRET-4711',
      'BIND-SECRET-0815',
      '0123456789abcdef',
      '$hmac-sha256$',
    ])
      assert.ok(
        [...secrets].some((s) => s.includes(named)) || named === HASH,
        `${named} was not among the secrets`,
      );
    assert.ok(secrets.size > 10);
    const raw = rawBytes(db);
    for (const secret of [...secrets, 'BIND-SECRET-0815', 'JBSWY3DPEHPK3PXP'])
      assert.ok(!raw.includes(secret), `the SQLite files hold ${secret}`);

    const sqlite = new Database(db, { readonly: true });
    try {
      const rows = sqlite
        .prepare<[], { key: string; value: string | null; n: number }>(
          'SELECT key, max(value) AS value, count(*) AS n FROM changes GROUP BY key',
        )
        .all();
      for (const row of rows.filter((r) => isSecretKey(r.key))) {
        assert.equal(row.n, 1, `${row.key} has ${String(row.n)} changes in the history`);
        if (row.value !== null) assert.ok(isSealed(row.value), row.key);
      }
      assert.ok(rows.some((r) => r.key === 'secrets/passwords/bob@pve' && r.value === null));
    } finally {
      sqlite.close();
    }
  });

  it('refuses to open without its key, or with another key, naming the key file', async () => {
    const copy = join(work, 'copy');
    mkdirSync(copy);
    copyFileSync(db, join(copy, 'tessera.db'));
    const open = async (): Promise<StoreSnapshot> => {
      const store = await openStore(`sqlite:${join(copy, 'tessera.db')}`);
      try {
        return await store.snapshot();
      } finally {
        await store.close();
      }
    };
    await assert.rejects(open(), (err: Error) => {
      assert.match(
        err.message,
        /sealed with key [0-9a-f]{8}, and the store key .*copy\/store\.key is missing/,
      );
      return true;
    });
    writeFileSync(join(copy, 'store.key'), `${'ab'.repeat(32)}\n`, { mode: 0o600 });
    await assert.rejects(
      open(),
      /sealed with key [0-9a-f]{8}, but the store key .*store\.key is key [0-9a-f]{8}/,
    );
    copyFileSync(join(dataDir, 'store.key'), join(copy, 'store.key'));
    const snapshot = await open();
    assert.ok(snapshot.entries.has('secrets/passwords/alice@pve'));
    assert.deepEqual(snapshot.diagnostics, []);
  });

  it('seals the plain secrets an earlier version wrote, and forgets the plain values', async () => {
    const file = join(work, 'legacy', 'tessera.db');
    const legacy = new SqliteStore(file);
    const plain = '{"hash":"$5$legacy$LEGACYPLAINHASH0123456789","seq":1}';
    await legacy.transact(
      [],
      [
        { op: 'put', key: 'secrets/passwords/carol@pve', value: plain },
        { op: 'put', key: 'users/carol@pve', value: '{"enable":true}' },
      ],
    );
    await legacy.close();
    assert.ok(rawBytes(file).includes('LEGACYPLAINHASH'));
    const store = await openStore(`sqlite:${file}`);
    assert.ok(store instanceof SealedStore);
    try {
      assert.equal(
        (await store.snapshot()).entries.get('secrets/passwords/carol@pve')?.value,
        plain,
      );
      assert.equal(await store.sealPlainSecrets(), 1);
      assert.equal(await store.sealPlainSecrets(), 0);
      assert.equal(
        (await store.snapshot()).entries.get('secrets/passwords/carol@pve')?.value,
        plain,
      );
    } finally {
      await store.close();
    }
    assert.ok(!rawBytes(file).includes('LEGACYPLAINHASH'));
  });

  it('serve seals the secrets of an earlier version at start', async () => {
    const dir = join(work, 'serve');
    // An earlier version: the same store, without sealing.
    const earlier = new SqliteStore(join(dir, 'tessera.db'));
    const password = (await bootstrap(storeContext(earlier))) ?? '';
    await earlier.close();
    assert.match(rawBytes(join(dir, 'tessera.db')), /\$argon2id\$/);
    const port = await freePort();
    const server = start(dir, port, ['--login-delay', '0']);
    try {
      await server.ready;
      assert.match(
        server.output(),
        /sealed \d+ secret\(s\) an earlier version stored in plain text/,
      );
      const ca = readFileSync(join(dir, 'tessera.crt'));
      const login = await call(port, ca, 'POST', '/access/ticket', {
        username: 'admin@pve',
        password,
      });
      assert.equal(login.status, 200);
    } finally {
      await stop(server.child);
    }
    assert.doesNotMatch(rawBytes(join(dir, 'tessera.db')), /\$argon2id\$/);
  });

  it('keeps etcd values sealed and compacts replaced secrets away', async () => {
    const cluster = await startEtcdCluster({ size: 1 });
    const before = process.env['TESSERA_STORE_KEY_FILE'];
    process.env['TESSERA_STORE_KEY_FILE'] = join(work, 'etcd', 'store.key');
    let store: ConfigStore | undefined;
    const raw = new Etcd3({ hosts: cluster.members.map((m) => m.clientUrl) });
    try {
      store = await openStore(cluster.url);
      const key = 'secrets/passwords/dave@pve';
      const first = await store.transact(
        [],
        [{ op: 'put', key, value: '{"hash":"OLD-ETCD-HASH-0123456789","seq":1}' }],
      );
      await store.transact(
        [{ key, revision: first }],
        [{ op: 'put', key, value: '{"hash":"NEW-ETCD-HASH-0123456789","seq":1}' }],
      );
      assert.equal(
        (await store.snapshot()).entries.get(key)?.value,
        '{"hash":"NEW-ETCD-HASH-0123456789","seq":1}',
      );
      // doctor's write check confirms the quorum without writing.
      const revision = (await store.snapshot()).revision;
      await store.canWrite?.();
      assert.equal((await store.snapshot()).revision, revision);
      await store.close();
      store = undefined;
      const all = await raw.getAll().prefix('/tessera/').strings();
      assert.ok(isSealed(all[`/tessera/${key}`] ?? ''));
      assert.ok(!JSON.stringify(all).includes('ETCD-HASH'));
      await assert.rejects(raw.get(`/tessera/${key}`).revision(first).string(), /compacted/);
    } finally {
      raw.close();
      await store?.close();
      if (before === undefined) delete process.env['TESSERA_STORE_KEY_FILE'];
      else process.env['TESSERA_STORE_KEY_FILE'] = before;
      await cluster.stop();
    }
  });
});
