/**
 * Identifier rules, path normalisation, list splitting and text escaping against the
 * upstream validators (validators.json) and Proxmox's Rust id vectors (authid.json).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAssignableAclPath, normalizeAclPath } from '../../src/model/acl-path.js';
import {
  asAuthid,
  asGroupId,
  asPoolId,
  asRealmId,
  asRoleId,
  asTokenId,
  asUserId,
  isTokenId,
  splitTokenId,
  splitUserId,
  type TokenId,
  type UserId,
} from '../../src/model/ids.js';
import { decodeText, encodeText, splitList } from '../../src/model/text.js';
import { readConformanceJson } from '../support/conformance.js';

interface Case {
  op: string;
  path?: string;
  value?: string;
  expected: Record<string, unknown>;
}

function check(c: Case): void {
  const value = c.value ?? '';
  switch (c.op) {
    case 'check_path':
      assert.equal(isAssignableAclPath(c.path ?? ''), c.expected['ok']);
      break;
    case 'normalize_path':
      assert.equal(normalizeAclPath(c.path) ?? null, c.expected['result']);
      break;
    case 'verify_username': {
      const id = asUserId(value);
      assert.equal(id !== undefined, c.expected['ok']);
      if (id)
        assert.deepEqual(
          { ...splitUserId(id) },
          { name: c.expected['ruid'], realm: c.expected['realm'] },
        );
      break;
    }
    case 'verify_tokenid': {
      const id = asTokenId(value);
      assert.equal(id !== undefined, c.expected['ok']);
      if (id) {
        const { user, name } = splitTokenId(id);
        assert.equal(name, c.expected['tokenname']);
        assert.equal(splitUserId(user).name, c.expected['user']);
        assert.equal(splitUserId(user).realm, c.expected['realm']);
      }
      break;
    }
    case 'verify_groupname':
      assert.equal(asGroupId(value) !== undefined, c.expected['ok']);
      break;
    case 'verify_rolename':
      assert.equal(asRoleId(value) !== undefined, c.expected['ok']);
      break;
    case 'verify_poolname':
      assert.equal(asPoolId(value) !== undefined, c.expected['ok']);
      break;
    case 'split_list':
      assert.deepEqual(splitList(value), c.expected['result']);
      break;
    case 'encode_text':
      assert.equal(encodeText(value), c.expected['result']);
      break;
    case 'decode_text':
      assert.equal(decodeText(value), c.expected['result']);
      break;
    default:
      assert.fail(`unknown op ${c.op}`);
  }
}

describe('validators.json (upstream validators)', () => {
  const data = readConformanceJson<{ cases: Case[] }>(
    'pve-access-control',
    'generated',
    'validators.json',
  );
  for (const c of data.cases) {
    it(`${c.op}(${JSON.stringify(c.path ?? c.value)})`, () => {
      check(c);
    });
  }
});

interface AuthidData {
  userid_valid: string[];
  userid_invalid: string[];
  realm_valid: string[];
  realm_invalid: string[];
  authid_cases: {
    authid: string;
    is_token: boolean;
    user: string;
    name?: string;
    realm?: string;
    tokenname?: string;
  }[];
}

describe('proxmox-rs authid.json (Rust id vectors)', () => {
  const data = readConformanceJson<AuthidData>('proxmox-rs', 'authid.json');
  for (const id of data.userid_valid)
    it(`valid userid ${id}`, () => {
      assert.ok(asUserId(id));
    });
  for (const id of data.userid_invalid)
    it(`invalid userid ${JSON.stringify(id)}`, () => {
      assert.equal(asUserId(id), undefined);
    });
  for (const id of data.realm_valid)
    it(`valid realm ${id}`, () => {
      assert.ok(asRealmId(id));
    });
  for (const id of data.realm_invalid)
    it(`invalid realm ${JSON.stringify(id)}`, () => {
      assert.equal(asRealmId(id), undefined);
    });
  for (const c of data.authid_cases) {
    it(`authid ${c.authid}`, () => {
      const id = asAuthid(c.authid);
      assert.ok(id);
      assert.equal(isTokenId(id), c.is_token);
      if (c.is_token) {
        const { user, name } = splitTokenId(id as TokenId);
        assert.equal(user, c.user);
        assert.equal(name, c.tokenname);
      } else {
        assert.deepEqual({ ...splitUserId(id as UserId) }, { name: c.name, realm: c.realm });
      }
    });
  }
});
