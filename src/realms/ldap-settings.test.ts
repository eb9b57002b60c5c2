import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { RealmId } from '../model/ids.js';
import type { OptionValue, RealmConfig, RealmOptionName } from '../model/realm.js';
import { ldapSettings } from './ldap-settings.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-ldap-settings-'));

function realm(type: 'ldap' | 'ad', options: Record<string, OptionValue>): RealmConfig {
  return {
    realm: 'corp' as RealmId,
    type,
    options: new Map(
      Object.entries({ server1: 'ldap.example.com', ...options }) as [
        RealmOptionName,
        OptionValue,
      ][],
    ),
  };
}

describe('ldap and ad settings, with Proxmox defaults', () => {
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const cert = join(dir, 'client.crt');
  const key = join(dir, 'client.key');
  const ca = join(dir, 'ca.crt');
  writeFileSync(cert, 'CERT');
  writeFileSync(key, 'KEY');
  writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----\n');

  for (const type of ['ldap', 'ad'] as const) {
    it(`${type}: offers the client certificate and uses capath only with verify`, async () => {
      const files = { cert, certkey: key, capath: ca, mode: 'ldaps' };
      const off = await ldapSettings(realm(type, files), undefined);
      assert.equal(off.tls.rejectUnauthorized, false);
      assert.equal(off.tls.cert, undefined);
      assert.equal(off.tls.key, undefined);
      assert.equal(off.tls.ca, undefined);
      // Proxmox then skips the anonymous bind, with or without verify.
      assert.equal(off.clientCertificate, true);
      const on = await ldapSettings(realm(type, { ...files, verify: true }), undefined);
      assert.equal(on.tls.rejectUnauthorized, true);
      assert.deepEqual(on.tls.cert, Buffer.from('CERT'));
      assert.deepEqual(on.tls.key, Buffer.from('KEY'));
      assert.ok(on.tls.ca !== undefined);
    });
  }

  it('speaks exactly TLS 1.2 over ldaps and StartTLS unless sslversion says otherwise', async () => {
    for (const options of [{ mode: 'ldaps' }, { mode: 'ldap+starttls' }, { secure: true }]) {
      const settings = await ldapSettings(realm('ldap', options), undefined);
      assert.equal(settings.tls.minVersion, 'TLSv1.2', JSON.stringify(options));
      assert.equal(settings.tls.maxVersion, 'TLSv1.2', JSON.stringify(options));
    }
    const pinned = await ldapSettings(realm('ad', { mode: 'ldaps', sslversion: 'tlsv1_3' }), '');
    assert.equal(pinned.tls.minVersion, 'TLSv1.3');
    assert.equal(pinned.tls.maxVersion, 'TLSv1.3');
    const plain = await ldapSettings(realm('ldap', { sslversion: 'tlsv1_3' }), undefined);
    assert.equal(plain.tls.minVersion, undefined);
    assert.equal(plain.port, 389);
  });
});
