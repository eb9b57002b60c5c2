/**
 * Proxmox's user.cfg quirks that Tessera reproduces (spec §2.1 and §10), each with the
 * diagnostic Tessera adds.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDiagnostic } from './diagnostics.js';
import { parseUserCfg, serializeUserCfg } from './user-cfg.js';

function roundTrip(text: string): { written: string; diagnostics: string[] } {
  const parsed = parseUserCfg(text);
  return {
    written: serializeUserCfg(parsed.value),
    diagnostics: parsed.diagnostics.map(formatDiagnostic),
  };
}

const EMPTY_TAIL = 'user:root@pam:1:0::::::\n\n\n\n\n';

describe('user.cfg quirks', () => {
  it('drops an ACL line that comes before its role', () => {
    const result = roundTrip('user:a@pve:1:0::::::\nacl:1:/vms:a@pve:Ops:\nrole:Ops:VM.Audit:\n');
    assert.equal(
      result.written,
      'user:a@pve:1:0::::::\nuser:root@pam:1:0::::::\n\n\n\nrole:Ops:VM.Audit:\n\n',
    );
    assert.deepEqual(result.diagnostics, ["user.cfg:2: error: ignore invalid acl role 'Ops'"]);
  });

  it('drops a token line that comes before its user', () => {
    const result = roundTrip('token:a@pve!ci:0:1::\nuser:a@pve:1:0::::::\n');
    assert.equal(result.written, 'user:a@pve:1:0::::::\n' + EMPTY_TAIL);
    assert.deepEqual(result.diagnostics, [
      "user.cfg:1: error: ignore token 'a@pve!ci' - user does not exist",
    ]);
  });

  it('drops a user id with list separators, and the pieces it falls apart into in lists', () => {
    // Written by Proxmox, which accepts the id: read back, the group line would make dave a
    // member and the ACL line would grant dave and zed.
    const result = roundTrip(
      'user:dave@pve:1:0::::::\nuser:dave@pve,zed@pve:1:0::::::\n' +
        'group:G:dave@pve,zed@pve::\nacl:1:/:dave@pve,zed@pve:PVEAuditor:\n',
    );
    assert.equal(
      result.written,
      'user:dave@pve:1:0::::::\n' + 'user:root@pam:1:0::::::\n\ngroup:G:::\n\n\n\n',
    );
    assert.deepEqual(result.diagnostics, [
      "user.cfg:2: error: ignore user 'dave@pve,zed@pve' - user name 'dave@pve,zed@pve' contains ',', which separates list items (group members, ACL members, list parameters)",
      "user.cfg:3: error: ignore group member 'dave@pve' - it may be a piece of the refused user name 'dave@pve,zed@pve', split at a list separator",
      "user.cfg:3: error: ignore group member 'zed@pve' - it may be a piece of the refused user name 'dave@pve,zed@pve', split at a list separator",
      "user.cfg:4: error: ignore acl member 'dave@pve' - it may be a piece of the refused user name 'dave@pve,zed@pve', split at a list separator",
      "user.cfg:4: error: ignore acl member 'zed@pve' - it may be a piece of the refused user name 'dave@pve,zed@pve', split at a list separator",
    ]);
  });

  it('drops # lines, which are not comments in user.cfg, with a warning', () => {
    const result = roundTrip('# managed by hand\nuser:a@pve:1:0::::::\n');
    assert.equal(result.written, 'user:a@pve:1:0::::::\n' + EMPTY_TAIL);
    assert.deepEqual(result.diagnostics, [
      'user.cfg:1: warning: ignore config line: # managed by hand',
    ]);
  });

  it('lets a repeated user line replace the earlier one, tokens included', () => {
    const result = roundTrip(
      'user:a@pve:1:0:Ann::::\ntoken:a@pve!ci:0:1::\nuser:a@pve:0:0::::::\n',
    );
    assert.equal(result.written, 'user:a@pve:0:0::::::\n' + EMPTY_TAIL);
  });

  it('reads an empty enable field as disabled and an empty privsep field as not separated', () => {
    const result = roundTrip('user:a@pve\ntoken:a@pve!ci\n');
    assert.equal(result.written, 'user:a@pve:0:0::::::\ntoken:a@pve!ci:0:0::\n' + EMPTY_TAIL);
  });

  it('never writes root@pam ACL entries, and keeps entries of users that do not exist', () => {
    const result = roundTrip('acl:1:/:root@pam,ghost@pve:PVEAuditor:\n');
    assert.equal(result.written, EMPTY_TAIL + 'acl:1:/:ghost@pve:PVEAuditor:\n');
    assert.deepEqual(result.diagnostics, [
      "user.cfg:1: warning: ignore invalid acl member 'ghost@pve'",
    ]);
  });

  it('writes fields in Proxmox order, encoded, with a trailing colon', () => {
    const result = roundTrip('user:a@pve:1:1700000000:Jürgen:M:j@x.y:on call 100%:x:\n');
    assert.equal(
      result.written.split('\n')[0],
      'user:a@pve:1:1700000000:J%C3%BCrgen:M:j@x.y:on call 100%25:x:',
    );
  });
});
