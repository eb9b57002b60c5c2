import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseUserCfg } from '../formats/user-cfg.js';
import { parseAuthid } from '../model/ids.js';
import { PermissionEngine } from './engine.js';
import { firstExcess } from './excess.js';

const engine = (text: string): PermissionEngine =>
  PermissionEngine.compile(
    parseUserCfg(`user:a@pve:1:0::::::\nuser:b@pve:1:0::::::\n${text}`).value,
  );

function excess(text: string, actor = 'a@pve', other = 'b@pve') {
  const e = engine(text);
  return firstExcess(
    { engine: e, authid: parseAuthid(actor) },
    { engine: e, authid: parseAuthid(other) },
  );
}

describe('firstExcess', () => {
  it('finds nothing when the actor holds at least as much on every path', () => {
    assert.equal(excess('acl:1:/:a@pve:PVEAdmin:\nacl:1:/vms:b@pve:PVEVMUser:\n'), undefined);
    assert.equal(excess('acl:1:/vms:a@pve:PVEVMAdmin:\n'), undefined);
  });

  it('finds a privilege the other holds only below a path where the actor stops propagating', () => {
    // a holds PVEVMAdmin on /vms itself only; b's propagates to /vms/100 and below.
    assert.deepEqual(excess('acl:0:/vms:a@pve:PVEVMAdmin:\nacl:1:/vms:b@pve:PVEVMAdmin:\n'), {
      path: '/vms',
      privilege: 'VM.Allocate',
    });
  });

  it('finds a privilege that a deeper entry of the actor takes away', () => {
    const text = 'acl:1:/:a@pve,b@pve:PVEAuditor:\nacl:1:/vms/100:a@pve:NoAccess:\n';
    assert.deepEqual(excess(text), { path: '/vms/100', privilege: 'Datastore.Audit' });
    assert.equal(excess(text, 'b@pve', 'a@pve'), undefined);
  });

  it("asks at pool members' paths, where a pool can take everything away", () => {
    // a's NoAccess on the pool empties /vms/100 for a; no ACL node exists there.
    const text =
      'group:g:b@pve::\npool:p::100::\nacl:1:/pool/p:a@pve:NoAccess:\n' +
      'acl:1:/vms:a@pve:PVEVMAdmin:\nacl:1:/vms:@g:PVEVMUser:\n';
    assert.deepEqual(excess(text), { path: '/vms/100', privilege: 'VM.Audit' });
  });

  it('counts only gains over a baseline', () => {
    const before = engine('acl:1:/:b@pve:Administrator:\n');
    const after = engine('acl:1:/:b@pve:Administrator:\nacl:1:/vms:a@pve:PVEVMUser:\n');
    const a = parseAuthid('a@pve');
    const b = parseAuthid('b@pve');
    assert.equal(
      firstExcess(
        { engine: before, authid: a },
        { engine: after, authid: b },
        { engine: before, authid: b },
      ),
      undefined,
    );
  });
});
