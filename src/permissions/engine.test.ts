import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseUserCfg } from '../formats/user-cfg.js';
import { PermissionEngine } from './engine.js';
import { explain } from './explain.js';
import { requestedAclPath } from '../model/acl-path.js';
import { parseAuthid, type Authid } from '../model/ids.js';

const CONFIG = `user:alice@pve:1:0::::::
token:alice@pve!sep:0:1::
token:alice@pve!full:0:0::
user:bob@pve:1:0::::::
group:ops:alice@pve,bob@pve::
group:audit:alice@pve::
role:Power:VM.PowerMgmt:
pool:web::100::
acl:1:/:@audit:PVEAuditor:
acl:0:/vms:@ops:Power:
acl:1:/vms:@audit:Power:
acl:1:/vms/100:alice@pve!sep:PVEVMAdmin:
acl:1:/pool/web:bob@pve:PVEVMUser:
acl:1:/nodes:ghost@pve:PVEAuditor:
`;

function engine(options?: { maxCachedAnswers: number }): PermissionEngine {
  return PermissionEngine.compile(parseUserCfg(CONFIG).value, options);
}

describe('PermissionEngine', () => {
  it('unions the groups at one node; a role propagates if either assignment does', () => {
    const e = engine();
    // ops gives Power without propagation, audit with: together it propagates.
    assert.deepEqual(
      [...e.privileges(parseAuthid('alice@pve'), requestedAclPath('/vms'))],
      [['VM.PowerMgmt', true]],
    );
    assert.deepEqual(
      [...e.privileges(parseAuthid('bob@pve'), requestedAclPath('/vms'))],
      [['VM.PowerMgmt', false]],
    );
    assert.equal(
      e.can(parseAuthid('bob@pve'), requestedAclPath('/vms/101'), 'VM.PowerMgmt'),
      false,
    );
  });

  it('adds pool roles on exact member paths only, without propagation', () => {
    const e = engine();
    assert.equal(
      e.privileges(parseAuthid('bob@pve'), requestedAclPath('/vms/100')).get('VM.Console'),
      false,
    );
    assert.equal(
      e.can(parseAuthid('bob@pve'), requestedAclPath('/vms/100/disk'), 'VM.Console'),
      false,
    );
  });

  it('intersects a privilege-separated token with its owner, flags ANDed', () => {
    const e = engine();
    // The token has PVEVMAdmin on /vms/100. The owner has Power (propagated) from /vms, and
    // PVEAuditor through pool 'web' (pool roles never propagate).
    assert.deepEqual(
      [...e.privileges(parseAuthid('alice@pve!sep'), requestedAclPath('/vms/100'))],
      [
        ['VM.Audit', false],
        ['VM.GuestAgent.Audit', false],
        ['VM.PowerMgmt', true],
      ],
    );
    // Without privilege separation the token is its owner.
    assert.deepEqual(
      [...e.privileges(parseAuthid('alice@pve!full'), requestedAclPath('/vms/100'))],
      [...e.privileges(parseAuthid('alice@pve'), requestedAclPath('/vms/100'))],
    );
  });

  it('honours ACLs of users that do not exist, like Proxmox', () => {
    assert.equal(
      engine().can(parseAuthid('ghost@pve'), requestedAclPath('/nodes/n1'), 'Sys.Audit'),
      true,
    );
  });

  it('answers nothing for unknown tokens and invalid ids, everything for root@pam', () => {
    const e = engine();
    assert.equal(e.privileges(parseAuthid('alice@pve!nope'), requestedAclPath('/')).size, 0);
    // Invalid ids are refused where they come in; Proxmox's own tests still ask about them.
    assert.throws(() => parseAuthid('not a user'), /does not look like a valid user/);
    assert.equal(e.privileges('not a user' as Authid, requestedAclPath('/')).size, 0);
    assert.equal(
      e.privileges(parseAuthid('root@pam'), requestedAclPath('/anything/at/all')).size,
      47,
    );
  });

  it('walks paths as Proxmox splits them', () => {
    const e = engine();
    assert.deepEqual(
      e.privileges(parseAuthid('alice@pve'), requestedAclPath('/vms/')),
      e.privileges(parseAuthid('alice@pve'), requestedAclPath('/vms')),
    );
    // Without the leading slash the root node is never consulted.
    assert.equal(e.can(parseAuthid('alice@pve'), requestedAclPath('nodes'), 'Sys.Audit'), false);
    assert.equal(e.can(parseAuthid('alice@pve'), requestedAclPath('/nodes'), 'Sys.Audit'), true);
  });

  it('stays correct when the answer cache is full', () => {
    const small = engine({ maxCachedAnswers: 3 });
    const large = engine();
    const paths = ['/', '/vms', '/vms/100', '/vms/101', '/nodes', '/pool/web', '/storage'];
    for (let round = 0; round < 3; round++) {
      for (const authid of ['alice@pve', 'bob@pve', 'alice@pve!sep']) {
        for (const path of paths)
          assert.deepEqual(
            small.privileges(parseAuthid(authid), requestedAclPath(path)),
            large.privileges(parseAuthid(authid), requestedAclPath(path)),
          );
      }
    }
  });

  it('explains which entry decided', () => {
    const e = engine();
    const denied = explain(e, 'bob@pve', '/vms/101', 'VM.PowerMgmt');
    assert.equal(denied.verdict, 'no_acl');
    assert.match(
      denied.summary,
      /Not propagated from parents: group 'ops' has role 'Power' on '\/vms' \(not propagated\)/,
    );
    const pool = explain(e, 'bob@pve', '/vms/100', 'VM.Console');
    assert.equal(pool.verdict, 'granted_by_pool');
    const owner = explain(e, 'alice@pve!sep', '/vms/100', 'VM.Allocate');
    assert.equal(owner.verdict, 'owner_lacks_privilege');
    assert.equal(owner.owner?.granted, false);
  });
});
