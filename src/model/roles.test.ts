import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RoleId } from './ids.js';
import { PRIVILEGES } from './privileges.js';
import { BUILTIN_ROLES } from './roles.js';

const role = (id: string): string[] => [...(BUILTIN_ROLES.get(id as RoleId) ?? [])].sort();

describe('built-in roles of Proxmox VE 9.1', () => {
  it('has the 47 privileges', () => {
    assert.equal(PRIVILEGES.length, 47);
    assert.deepEqual([...PRIVILEGES].sort(), [...PRIVILEGES]);
  });

  it('has exactly these roles', () => {
    assert.deepEqual([...BUILTIN_ROLES.keys()].sort(), [
      'Administrator',
      'NoAccess',
      'PVEAdmin',
      'PVEAuditor',
      'PVEDatastoreAdmin',
      'PVEDatastoreUser',
      'PVEMappingAdmin',
      'PVEMappingUser',
      'PVEPoolAdmin',
      'PVEPoolUser',
      'PVESDNAdmin',
      'PVESDNUser',
      'PVESysAdmin',
      'PVETemplateUser',
      'PVEUserAdmin',
      'PVEVMAdmin',
      'PVEVMUser',
    ]);
  });

  it('gives each role its exact privileges', () => {
    assert.deepEqual(role('Administrator'), [...PRIVILEGES]);
    assert.deepEqual(role('NoAccess'), []);
    assert.equal(role('PVEVMAdmin').length, 23);
    assert.deepEqual(
      role('PVEAdmin'),
      [...PRIVILEGES].filter(
        (p) =>
          ![
            'Sys.PowerMgmt',
            'Sys.Modify',
            'Sys.Incoming',
            'Sys.AccessNetwork',
            'Realm.Allocate',
            'Permissions.Modify',
            'Mapping.Modify',
          ].includes(p),
      ),
    );
    assert.equal(role('PVEAdmin').length, 40);
    assert.deepEqual(role('PVEVMUser'), [
      'VM.Audit',
      'VM.Backup',
      'VM.Config.CDROM',
      'VM.Config.Cloudinit',
      'VM.Console',
      'VM.GuestAgent.Audit',
      'VM.GuestAgent.FileRead',
      'VM.GuestAgent.FileSystemMgmt',
      'VM.GuestAgent.FileWrite',
      'VM.PowerMgmt',
    ]);
    assert.deepEqual(role('PVESysAdmin'), ['Sys.Audit', 'Sys.Console', 'Sys.Syslog']);
    assert.deepEqual(role('PVEDatastoreAdmin'), [
      'Datastore.Allocate',
      'Datastore.AllocateSpace',
      'Datastore.AllocateTemplate',
      'Datastore.Audit',
    ]);
    assert.deepEqual(role('PVEDatastoreUser'), ['Datastore.AllocateSpace', 'Datastore.Audit']);
    assert.deepEqual(role('PVESDNAdmin'), ['SDN.Allocate', 'SDN.Audit', 'SDN.Use']);
    assert.deepEqual(role('PVESDNUser'), ['SDN.Audit', 'SDN.Use']);
    assert.deepEqual(role('PVEUserAdmin'), ['Group.Allocate', 'Realm.AllocateUser', 'User.Modify']);
    assert.deepEqual(role('PVEPoolAdmin'), ['Pool.Allocate', 'Pool.Audit']);
    assert.deepEqual(role('PVEPoolUser'), ['Pool.Audit']);
    assert.deepEqual(role('PVEMappingAdmin'), ['Mapping.Audit', 'Mapping.Modify', 'Mapping.Use']);
    assert.deepEqual(role('PVEMappingUser'), ['Mapping.Audit', 'Mapping.Use']);
    assert.deepEqual(role('PVEAuditor'), [
      'Datastore.Audit',
      'Mapping.Audit',
      'Pool.Audit',
      'SDN.Audit',
      'Sys.Audit',
      'VM.Audit',
      'VM.GuestAgent.Audit',
    ]);
    assert.deepEqual(role('PVETemplateUser'), ['VM.Audit', 'VM.Clone']);
  });
});
