import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTesseraError } from '../errors.js';
import {
  asTokenId,
  ownerOf,
  parentPool,
  parseAuthid,
  parseGroupId,
  parsePoolId,
  parseRealmId,
  parseRoleId,
  parseTokenId,
  parseTokenName,
  parseUserId,
  type PoolId,
} from './ids.js';

/** Asserts that `fn` throws an invalid_value error for `field` with exactly `message`. */
function refuses(fn: () => unknown, field: string, message: string): void {
  assert.throws(
    fn,
    (err: unknown) =>
      isTesseraError(err, 'invalid_value') && err.field === field && err.detail === message,
  );
}

describe('identifier constructors', () => {
  it('accept valid ids unchanged', () => {
    assert.equal(parseUserId('alice@pve'), 'alice@pve');
    assert.equal(parseTokenId('alice@pve!ci'), 'alice@pve!ci');
    assert.equal(parseAuthid('alice@pve!ci'), 'alice@pve!ci');
    assert.equal(parseAuthid('a!b@pve'), 'a!b@pve');
    assert.equal(parseRealmId('corp-ad'), 'corp-ad');
    assert.equal(parseGroupId('-x'), '-x');
    assert.equal(parseRoleId('PVEAdmin'), 'PVEAdmin');
    assert.equal(parsePoolId('a/b/c'), 'a/b/c');
    assert.equal(parseTokenName('ci'), 'ci');
  });

  it('refuse invalid ids with the field and Proxmox-style reason', () => {
    refuses(() => parseUserId('ab'), 'userid', "user name 'ab' is too short");
    refuses(
      () => parseUserId(`${'x'.repeat(61)}@pve`),
      'userid',
      `user name '${'x'.repeat(61)}@pve' is too long (65 > 64)`,
    );
    refuses(
      () => parseUserId('alice'),
      'userid',
      "value 'alice' does not look like a valid user name",
    );
    refuses(
      () => parseUserId('a\nb@pve', 'username'),
      'username',
      "value 'a\\nb@pve' does not look like a valid user name",
    );
    refuses(
      () => parseTokenId('alice@pve!t'),
      'tokenid',
      "value 'alice@pve!t' does not look like a valid token ID",
    );
    refuses(() => parseRealmId('p'), 'realm', 'value does not look like a valid realm');
    refuses(() => parseRealmId('r'.repeat(33)), 'realm', 'value may only be 32 characters long');
    refuses(() => parseGroupId('a b'), 'groupid', "group name 'a b' contains invalid characters");
    refuses(
      () => parseGroupId('0'),
      'groupid',
      "group name '0' is not allowed: Proxmox drops ACL entries of a group named '0'",
    );
    refuses(() => parseRoleId('r:1'), 'roleid', "role name 'r:1' contains invalid characters");
    refuses(
      () => parsePoolId('a/b/c/d'),
      'poolid',
      "pool name 'a/b/c/d' nested too deeply (max levels = 3)",
    );
    refuses(() => parsePoolId('p!'), 'poolid', "pool name 'p!' contains invalid characters");
    refuses(
      () => parseAuthid('nobody'),
      'userid',
      "value 'nobody' does not look like a valid user or token ID",
    );
  });

  it('refuse list separators in user and token ids, which Proxmox accepts', () => {
    refuses(
      () => parseUserId('dave@pve,zed@pve'),
      'userid',
      "user name 'dave@pve,zed@pve' contains ',', which separates list items (group members, ACL members, list parameters)",
    );
    refuses(
      () => parseUserId('a;b@pve'),
      'userid',
      "user name 'a;b@pve' contains ';', which separates list items (group members, ACL members, list parameters)",
    );
    refuses(
      () => parseUserId('@admins@pve'),
      'userid',
      "user name '@admins@pve' starts with '@', which marks a group in ACL member lists",
    );
    for (const id of ['a,b@pve!tok', 'a;b@pve!tok', '@a@pve!tok'])
      assert.equal(asTokenId(id), undefined, id);
    assert.equal(asTokenId('a!b@pve!tok'), 'a!b@pve!tok');
  });

  it('relate tokens to owners and pools to parents', () => {
    assert.equal(ownerOf(parseAuthid('a!b@pve!tok')), 'a!b@pve');
    assert.equal(ownerOf(parseAuthid('a@pve')), 'a@pve');
    assert.equal(parentPool('a/b/c' as PoolId), 'a/b');
    assert.equal(parentPool('a' as PoolId), undefined);
  });
});
