import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPasswordHashKind, proxmoxCanVerify } from './password-hash.js';

describe('password hash kinds', () => {
  it('knows the two kinds Tessera writes', () => {
    assert.ok(isPasswordHashKind('argon2id'));
    assert.ok(isPasswordHashKind('sha512-crypt'));
    assert.ok(!isPasswordHashKind('yescrypt'));
    assert.ok(!isPasswordHashKind('SHA512-crypt'));
  });

  it("tells the hashes Proxmox's crypt() verifies from those it cannot", () => {
    for (const hash of [
      '$5$fixedsalt$Mwah3bMSwvvaEV0hlWPoarnUvDU5s/ycQSAQL5.y0t6',
      '$6$rounds=50000$abcdefghijklmnop$omMXn5HUcAUGT8gW3DMt59i9HTkBJR',
      '$y$j9T$salt$hash',
      '$1$salt$hash',
      '$2b$10$hash',
    ])
      assert.ok(proxmoxCanVerify(hash), hash);
    for (const hash of ['$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA', '!', '*', 'plain', '$6'])
      assert.ok(!proxmoxCanVerify(hash), hash);
  });
});
