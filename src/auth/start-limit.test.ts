import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StartLimit } from './start-limit.js';

describe('start limit', () => {
  it('counts per source within the window', () => {
    const limit = new StartLimit(2, 60);
    assert.equal(limit.take('192.0.2.1', 1000), true);
    assert.equal(limit.take('192.0.2.1', 1010), true);
    assert.equal(limit.take('192.0.2.1', 1020), false);
    assert.equal(limit.take('192.0.2.2', 1020), true, 'another address has its own count');
    // The first start left the window; a refused one was not counted.
    assert.equal(limit.take('192.0.2.1', 1061), true);
    assert.equal(limit.take('192.0.2.1', 1062), false);
  });

  it('counts an IPv6 /64 as one source', () => {
    const limit = new StartLimit(1, 60);
    assert.equal(limit.take('2001:db8:1:2::1', 1000), true);
    assert.equal(limit.take('2001:db8:1:2:ffff::9', 1000), false);
    assert.equal(limit.take('2001:db8:1:3::1', 1000), true);
  });
});
