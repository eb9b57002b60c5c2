import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeUpid, encodeUpid, statusType } from './upid.js';

describe('UPIDs', () => {
  it("encodes Proxmox's format: upper-case hex of 8 digits and a closing colon", () => {
    const upid = encodeUpid({
      node: 'pve1',
      pid: 0xc530,
      pstart: 0x43f3d0,
      starttime: 1594658110,
      type: 'auth-realm-sync',
      id: 'corp',
      user: 'root@pam',
    });
    assert.equal(upid, 'UPID:pve1:0000C530:0043F3D0:5F0C8D3E:auth-realm-sync:corp:root@pam:');
    // What proxmoxer's decode_upid relies on: nine parts split on the colons.
    assert.equal(upid.split(':').length, 9);
  });

  it('reads back what it writes, a token as the user, an empty id and a 9-digit pstart', () => {
    const fields = {
      node: 'node-2',
      pid: 4_000_000,
      pstart: 0x1_0000_0000,
      starttime: 1_700_000_000,
      type: 'auth-realm-sync-test',
      id: '',
      user: 'alice@corp!ci',
    };
    const text = encodeUpid(fields);
    assert.match(text, /:100000000:/);
    assert.deepEqual(decodeUpid(text), fields);
  });

  it('refuses what is not a UPID', () => {
    for (const bad of [
      '',
      'UPID:pve1:0000C530:0043F3D0:5F0C8D3E:vzdump::root@pam',
      'UPID:pve1:C530:0043F3D0:5F0C8D3E:vzdump::root@pam:',
      'UPID:-pve:0000C530:0043F3D0:5F0C8D3E:vzdump::root@pam:',
      'UPID:pve1:0000C530:0043F3D0:5F0C8D3E:vz/dump::root@pam:',
      'UPID:pve1:0000C530:0043F3D0:5F0C8D3E:vzdump:::',
      `UPID:pve1:0000C530:0043F3D0:5F0C8D3E:vzdump:${'x'.repeat(600)}:root@pam:`,
    ])
      assert.equal(decodeUpid(bad), undefined, bad);
  });

  it("classifies exit statuses as Proxmox's statusfilter does", () => {
    assert.equal(statusType('OK'), 'ok');
    assert.equal(statusType('WARNINGS: 3'), 'warning');
    assert.equal(statusType('unexpected status'), 'unknown');
    assert.equal(statusType(undefined), 'unknown');
    assert.equal(statusType('bind failed: invalid credentials'), 'error');
  });
});
