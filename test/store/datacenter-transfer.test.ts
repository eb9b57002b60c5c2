/**
 * datacenter.cfg through `import`, the store, `export`, `config show` and a `pve-dir:`
 * store, with a file of our own in the shape Proxmox VE writes it.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openStore } from '../../src/store/open.js';
import { assemble } from '../../src/store/assemble.js';
import { runCli } from '../support/cli.js';
import { makePveDir } from '../support/pve-dir.js';

const CONSENT = Buffer.from('# Notice\nAuthorised use only.', 'utf8').toString('base64');
const PROXY_PASSWORD = 'pr0xy-s3cret';
const DATACENTER_CFG =
  '#Lab%20cluster\n\n' +
  `consent-text: ${CONSENT}\n` +
  'console: xtermjs\n' +
  `http_proxy: http://squid:${PROXY_PASSWORD}@proxy.example.com:3128/\n` +
  'keyboard: de\n' +
  'mac_prefix: BC:24:11:0\n' +
  'u2f: appid=https://pve.example.com:8006\n' +
  'webauthn: id=example.com,origin=https://pve.example.com:8006,rp=Lab\n';

const USER_CFG = 'user:root@pam:1:0::::::\n';

describe('datacenter.cfg in import and export', () => {
  const work = mkdtempSync(join(tmpdir(), 'tessera-dc-'));
  const source = makePveDir({ 'user.cfg': USER_CFG, 'datacenter.cfg': DATACENTER_CFG });
  const db = join(work, 'tessera.db');
  const store = `sqlite:${db}`;
  after(() => {
    source.remove();
    rmSync(work, { recursive: true, force: true });
  });

  it('a pve-dir: store reads it in place', async () => {
    const pveDir = await openStore(`pve-dir:${source.path}`);
    try {
      const snapshot = assemble(await pveDir.snapshot());
      assert.equal(snapshot.datacenter?.text, DATACENTER_CFG);
      assert.deepEqual(snapshot.datacenter.webauthn, {
        rp: 'Lab',
        id: 'example.com',
        origin: 'https://pve.example.com:8006',
      });
      assert.equal(snapshot.datacenter.consentText, CONSENT);
    } finally {
      await pveDir.close();
    }
  });

  it('is imported under one key, sealed (it may hold a proxy password)', async () => {
    const result = await runCli('--store', store, 'import', '--pve-dir', source.path);
    assert.equal(result.status, 0, result.stderr);
    const sqlite = await openStore(store);
    try {
      const entries = (await sqlite.snapshot()).entries;
      const stored = JSON.parse(entries.get('datacenter.cfg')?.value ?? '{}') as { text?: string };
      assert.equal(stored.text, DATACENTER_CFG);
      assert.equal(
        assemble(await sqlite.snapshot()).datacenter?.httpProxy?.includes('squid'),
        true,
      );
    } finally {
      await sqlite.close();
    }
    for (const file of [db, `${db}-wal`]) {
      if (!existsSync(file)) continue;
      assert.ok(!readFileSync(file).includes(PROXY_PASSWORD), `${file} holds the proxy password`);
    }
  });

  it('is exported byte for byte, and shown by config show', async () => {
    const target = join(work, 'export');
    const result = await runCli('--store', store, 'export', '--pve-dir', target);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(readFileSync(join(target, 'datacenter.cfg'), 'utf8'), DATACENTER_CFG);
    const shown = await runCli('--store', store, 'config', 'show', 'datacenter.cfg');
    assert.equal(shown.stdout, DATACENTER_CFG);
  });

  it('goes away with an import --replace of a directory without one', async () => {
    const bare = makePveDir({ 'user.cfg': 'user:root@pam:1:0::::::\nuser:x@pve:1:0::::::\n' });
    try {
      const result = await runCli('--store', store, 'import', '--replace', '--pve-dir', bare.path);
      assert.equal(result.status, 0, result.stderr);
      const target = join(work, 'export-bare');
      assert.equal((await runCli('--store', store, 'export', '--pve-dir', target)).status, 0);
      assert.ok(!existsSync(join(target, 'datacenter.cfg')));
    } finally {
      bare.remove();
    }
  });

  it('refuses bad authentication lines, naming file, line and key, and imports nothing', async () => {
    const broken = makePveDir({
      'user.cfg': USER_CFG + 'user:new@pve:1:0::::::\n',
      'datacenter.cfg':
        'keyboard: de\nwebauthn: rp=Lab,id=example.org,origin=https://pve.example.com\n',
    });
    try {
      const result = await runCli(
        '--store',
        store,
        'import',
        '--replace',
        '--pve-dir',
        broken.path,
      );
      assert.equal(result.status, 1);
      assert.match(result.stderr, /nothing imported: 1 error\(s\)/);
      assert.match(
        result.stderr,
        /datacenter\.cfg:2: error: webauthn: 'id' 'example\.org' is neither the host of origin https:\/\/pve\.example\.com nor a parent domain of it/,
      );
      const check = await runCli('--store', `pve-dir:${broken.path}`, 'config', 'check');
      assert.equal(check.status, 1);
      assert.match(check.stdout, /datacenter\.cfg:2: error: webauthn: /);
      const users = await runCli('--store', store, 'config', 'show', 'user.cfg');
      assert.doesNotMatch(users.stdout, /new@pve/);
    } finally {
      broken.remove();
    }
  });
});
