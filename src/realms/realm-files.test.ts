import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { AuthFailure } from '../errors.js';
import type { RealmId } from '../model/ids.js';
import type { OptionValue, RealmConfig, RealmOptionName } from '../model/realm.js';
import { directoryRealm } from './directory-realm.js';
import { ldapSettings } from './ldap-settings.js';
import { MAX_REALM_FILE_BYTES, readCaPath, readRealmFile } from './realm-files.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-realm-files-'));

function ldapRealm(options: Record<string, OptionValue>): RealmConfig {
  return {
    realm: 'corp' as RealmId,
    type: 'ldap',
    options: new Map(
      Object.entries({ server1: '127.0.0.1', base_dn: 'dc=example', ...options }) as [
        RealmOptionName,
        OptionValue,
      ][],
    ),
  };
}

/** Runs `work` and says how long it took, in ms. */
async function timed(work: () => Promise<unknown>): Promise<[unknown, number]> {
  const started = performance.now();
  const outcome = await work().catch((err: unknown) => err);
  return [outcome, performance.now() - started];
}

describe('files named in realm settings', () => {
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a device such as /dev/zero at once', async () => {
    const [err, ms] = await timed(() => readRealmFile('capath', '/dev/zero'));
    assert.ok(err instanceof Error);
    assert.equal(err.message, "capath '/dev/zero' is not a regular file");
    assert.ok(ms < 500, String(ms));
    const [fromSettings] = await timed(() =>
      ldapSettings(ldapRealm({ capath: '/dev/zero', verify: true }), undefined),
    );
    assert.ok(fromSettings instanceof Error);
    assert.match(fromSettings.message, /capath '\/dev\/zero' is not a regular file/);
  });

  it('refuses a pipe without waiting for a writer', async () => {
    const fifo = join(dir, 'ca.fifo');
    execFileSync('mkfifo', [fifo]);
    const [err, ms] = await timed(() => readRealmFile('cert', fifo));
    assert.ok(err instanceof Error);
    assert.match(err.message, /is not a regular file/);
    assert.ok(ms < 500, String(ms));
  });

  it('refuses a file beyond the size bound', async () => {
    const big = join(dir, 'big.pem');
    writeFileSync(big, Buffer.alloc(MAX_REALM_FILE_BYTES + 1, 65));
    await assert.rejects(
      readRealmFile('certkey', big),
      /certkey '.*big\.pem' is larger than 1048576 bytes/,
    );
  });

  it('reads a CA file, or the certificate files of a directory', async () => {
    const cas = join(dir, 'cas');
    execFileSync('mkdir', [cas]);
    writeFileSync(join(cas, 'a.pem'), 'A');
    writeFileSync(join(cas, 'b.crt'), 'B');
    writeFileSync(join(cas, 'readme.txt'), 'not a certificate');
    assert.deepEqual(await readCaPath(cas), ['A', 'B']);
    assert.deepEqual(await readCaPath(join(cas, 'b.crt')), ['B']);
    await assert.rejects(readCaPath(join(dir, 'missing')), /capath '.*missing': ENOENT/);
  });

  it('fails a directory login with capath=/dev/zero quickly, as an LDAP error', async () => {
    const config = ldapRealm({ capath: '/dev/zero', mode: 'ldaps', verify: true });
    const [err, ms] = await timed(() =>
      directoryRealm('ldap').authenticate(
        {
          userid: 'alice@corp' as never,
          user: 'alice',
          password: 'secret',
          config,
          snapshot: { realmSecrets: new Map() } as never,
        },
        {},
      ),
    );
    assert.ok(err instanceof AuthFailure);
    assert.equal(err.code, 'ldap_error');
    assert.match(err.message, /capath '\/dev\/zero' is not a regular file/);
    assert.ok(ms < 500, String(ms));
  });
});
