import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sourceOf } from './source.js';

describe('request sources', () => {
  it('keeps IPv4 addresses apart, IPv4-mapped ones included', () => {
    assert.equal(sourceOf('192.0.2.7'), '192.0.2.7');
    assert.equal(sourceOf('::ffff:192.0.2.7'), '192.0.2.7');
    assert.notEqual(sourceOf('192.0.2.7'), sourceOf('192.0.2.8'));
  });

  it('groups IPv6 addresses by their /64, however they are written', () => {
    const a = sourceOf('2001:db8:1:2::1');
    assert.equal(a, '2001:db8:1:2::/64');
    assert.equal(sourceOf('2001:0db8:0001:0002:ffff:ffff:ffff:ffff'), a);
    assert.equal(sourceOf('2001:DB8:1:2:0:0:0:9%eth0'), a);
    assert.equal(sourceOf('2001:db8:1:2::192.0.2.1'), a);
    assert.notEqual(sourceOf('2001:db8:1:3::1'), a);
    assert.equal(sourceOf('::1'), '0:0:0:0::/64');
    assert.equal(sourceOf('fe80::1'), 'fe80:0:0:0::/64');
  });
});
