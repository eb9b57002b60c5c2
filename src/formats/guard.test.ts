/**
 * Values that would inject a line or a field never reach a file: the model refuses them, and
 * the writers refuse them again.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTesseraError } from '../errors.js';
import { normalizeAclPath } from '../model/acl-path.js';
import {
  asGroupId,
  asRealmId,
  asRoleId,
  asTokenId,
  asUserId,
  type RealmId,
  type TokenId,
  type UserId,
} from '../model/ids.js';
import type { RealmOptionName } from '../model/realm.js';
import {
  emptyUserConfig,
  rawFieldError,
  textFieldError,
  type UserConfig,
} from '../model/user-config.js';
import { parseDomainsCfg, serializeDomainsCfg } from './domains-cfg.js';
import { serializeShadowCfg } from './shadow-cfg.js';
import { serializeTokenCfg } from './token-cfg.js';
import { serializeUserCfg } from './user-cfg.js';

const refused = (field: string) => (err: unknown) =>
  isTesseraError(err, 'invalid_value') && err.field === field;

describe('line and field injection', () => {
  it('identifiers refuse separators, line breaks and control characters', () => {
    for (const bad of ['a:b@pve', 'a\n@pve', 'a@pve\n', 'a\u0007@pve', 'a b@pve', 'a/b@pve'])
      assert.equal(asUserId(bad), undefined, bad);
    assert.equal(asTokenId('a@pve!tok\nuser:x@pve'), undefined);
    assert.equal(asRealmId('pve\n'), undefined);
    assert.equal(asGroupId('g:x'), undefined);
    assert.equal(asRoleId('r\n'), undefined);
    assert.equal(normalizeAclPath('/vms/100\nacl:1:/:x@pve:Administrator'), undefined);
    assert.equal(normalizeAclPath('/vms/100\n'), undefined);
  });

  it('raw fields refuse ":" and control characters; text fields refuse control characters', () => {
    assert.equal(rawFieldError('a@b.c:x'), "value must not contain ':'");
    assert.equal(rawFieldError('a@b.c\nx'), 'value contains control characters');
    assert.equal(textFieldError('line one\nline two'), undefined);
    assert.equal(textFieldError('bell\u0007'), 'value contains control characters');
  });

  it('the user.cfg writer refuses a forged value that bypassed the model', () => {
    const config = emptyUserConfig() as { -readonly [K in keyof UserConfig]: UserConfig[K] };
    const userid = 'a@pve' as UserId;
    config.users = new Map([
      [userid, { userid, enable: true, expire: 0, email: 'x@y.z\nuser:evil@pve:1' }],
    ]);
    assert.throws(() => serializeUserCfg(config), refused('email'));
    config.users = new Map([[userid, { userid, enable: true, expire: 0, keys: 'a:b' }]]);
    assert.throws(() => serializeUserCfg(config), refused('keys'));
    const forged = 'b@pve\nacl:1:/:b@pve:Administrator' as UserId;
    config.users = new Map([[forged, { userid: forged, enable: true, expire: 0 }]]);
    assert.throws(() => serializeUserCfg(config), refused('userid'));
    // Free text is percent-encoded and cannot break a line.
    config.users = new Map([[userid, { userid, enable: true, expire: 0, comment: 'a:b\nc' }]]);
    assert.equal(serializeUserCfg(config), 'user:a@pve:1:0::::a%3Ab%0Ac::\n\n\n\n\n');
  });

  it('domains.cfg refuses line breaks in values, when parsing and when writing', () => {
    const parsed = parseDomainsCfg('pve: pve\n');
    const realm = parsed.value.realms.get('pve' as RealmId);
    assert.ok(realm);
    const options = new Map<RealmOptionName, string | number | boolean>([
      ['tfa', 'type=oath\n\tdefault 1'],
    ]);
    const forged = { realms: new Map([[realm.realm, { ...realm, options }]]) };
    assert.throws(() => serializeDomainsCfg(forged), refused('tfa'));
  });

  it('shadow.cfg and token.cfg writers refuse separators in their fields', () => {
    assert.throws(() => serializeShadowCfg(new Map([['a', '$5$x:y']])), refused('password'));
    assert.throws(() => serializeShadowCfg(new Map([['a', '$5$x\nb:$5$y']])), refused('password'));
    assert.throws(
      () => serializeTokenCfg(new Map([['a@pve!t1' as TokenId, 'secret\nb@pve!t2 other']])),
      refused('value'),
    );
    assert.throws(
      () => serializeTokenCfg(new Map([['a@pve!t1' as TokenId, 'two words']])),
      refused('value'),
    );
  });
});
