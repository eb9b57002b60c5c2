/**
 * Ids with list separators, which Proxmox accepts, are dropped on import from every file
 * with a diagnostic naming the file, the line and the id (docs/compatibility.md).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDiagnostic, type Parsed } from './diagnostics.js';
import { parseShadowCfg } from './shadow-cfg.js';
import { parseTfaCfg } from './tfa-cfg.js';
import { parseTokenCfg } from './token-cfg.js';

const diagnostics = (parsed: Parsed<unknown>): string[] => parsed.diagnostics.map(formatDiagnostic);
const COMMA =
  "contains ',', which separates list items (group members, ACL members, list parameters)";

describe('ids with list separators on import', () => {
  it('token.cfg', () => {
    const parsed = parseTokenCfg(
      'a@pve!ok 11111111-1111-1111-1111-111111111111\n' +
        'a@pve,b@pve!ci 22222222-2222-2222-2222-222222222222\n',
    );
    assert.deepEqual([...parsed.value.keys()], ['a@pve!ok']);
    assert.deepEqual(diagnostics(parsed), [
      `priv/token.cfg:2: error: skipping invalid token.cfg entry 'a@pve,b@pve!ci' - user name 'a@pve,b@pve' ${COMMA}`,
    ]);
  });

  it('shadow.cfg', () => {
    const parsed = parseShadowCfg('a;b:$6$salt$hash:\nc:$6$salt$hash:\n');
    assert.deepEqual([...parsed.value.keys()], ['c']);
    assert.deepEqual(diagnostics(parsed), [
      "priv/shadow.cfg:1: error: ignore invalid user name 'a;b' - user name 'a;b@pve' contains ';', which separates list items (group members, ACL members, list parameters)",
    ]);
  });

  it('tfa.cfg, in both of its formats', () => {
    const json = parseTfaCfg(
      '{"users":{"a@pve,b@pve":{"yubico":[{"id":"x","created":1,"entry":"ccccccbcdefg"}]}}}',
      { now: 1 },
    );
    assert.equal(json.value.users.size, 0);
    assert.deepEqual(diagnostics(json), [
      `priv/tfa.cfg: error: user tfa config - ignore user 'a@pve,b@pve' - user name 'a@pve,b@pve' ${COMMA}`,
    ]);
    const v1 = parseTfaCfg(`a@pve,b@pve:oath:${Buffer.from('{}').toString('base64')}\n`, {
      now: 1,
    });
    assert.equal(v1.value.users.size, 0);
    assert.deepEqual(diagnostics(v1), [
      `priv/tfa.cfg:1: error: user tfa config - ignore user 'a@pve,b@pve' - user name 'a@pve,b@pve' ${COMMA}`,
    ]);
  });
});
