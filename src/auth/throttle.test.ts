import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LoginThrottle } from './throttle.js';

const options = { failures: 3, windowSeconds: 60, banSeconds: 300, addressFailures: 10 };

describe('login throttle', () => {
  it('bans a pair after N failures within the window, for the ban time', () => {
    const throttle = new LoginThrottle(options);
    for (let i = 0; i < 2; i++) throttle.failed('10.0.0.9', 'alice@pve', 1000 + i);
    assert.equal(throttle.blocked('10.0.0.9', 'alice@pve', 1002), false);
    throttle.failed('10.0.0.9', 'alice@pve', 1002);
    assert.equal(throttle.blocked('10.0.0.9', 'alice@pve', 1003), true);
    assert.equal(throttle.blocked('10.0.0.9', 'alice@pve', 1301), true);
    assert.equal(throttle.blocked('10.0.0.9', 'alice@pve', 1303), false);
  });

  it('does not lock the user out from another address', () => {
    const throttle = new LoginThrottle(options);
    for (let i = 0; i < 5; i++) throttle.failed('203.0.113.7', 'alice@pve', 1000 + i);
    assert.equal(throttle.blocked('203.0.113.7', 'alice@pve', 1010), true);
    assert.equal(throttle.blocked('10.0.0.2', 'alice@pve', 1010), false);
  });

  it('forgets failures outside the window, and a success clears the pair', () => {
    const throttle = new LoginThrottle(options);
    throttle.failed('10.0.0.9', 'bob@pve', 1000);
    throttle.failed('10.0.0.9', 'bob@pve', 1001);
    throttle.failed('10.0.0.9', 'bob@pve', 1100);
    assert.equal(throttle.blocked('10.0.0.9', 'bob@pve', 1100), false);
    throttle.succeeded('10.0.0.9', 'bob@pve');
    throttle.failed('10.0.0.9', 'bob@pve', 1101);
    throttle.failed('10.0.0.9', 'bob@pve', 1102);
    assert.equal(throttle.blocked('10.0.0.9', 'bob@pve', 1102), false);
  });

  it('bans an address that sprays many user names', () => {
    const throttle = new LoginThrottle(options);
    for (let i = 0; i < 10; i++) throttle.failed('198.51.100.1', `user${String(i)}@pve`, 1000);
    assert.equal(throttle.blocked('198.51.100.1', 'fresh@pve', 1001), true);
    assert.equal(throttle.blocked('198.51.100.2', 'fresh@pve', 1001), false);
  });

  it('counts an IPv6 /64 as one source', () => {
    const throttle = new LoginThrottle(options);
    for (let i = 1; i <= 3; i++) throttle.failed(`2001:db8:7:8::${String(i)}`, 'alice@pve', 1000);
    assert.equal(throttle.blocked('2001:db8:7:8:ffff::1', 'alice@pve', 1001), true);
    assert.equal(throttle.blocked('2001:db8:7:9::1', 'alice@pve', 1001), false);
  });

  it('merges records of other nodes in any order, and shares only what matters', () => {
    const shared: string[] = [];
    const throttle = new LoginThrottle(options);
    throttle.share = (r) => shared.push(`${r.outcome} ${r.source} ${r.user}`);
    // A success with nothing counted is not news for any node.
    throttle.succeeded('10.0.0.9', 'carol@pve', 999);
    assert.deepEqual(shared, []);
    // A success reported late lifts only what came before it.
    for (const time of [1000, 1001, 1002])
      throttle.merge({ source: '10.0.0.9', user: 'carol@pve', time, outcome: 'failure' });
    throttle.merge({ source: '10.0.0.9', user: 'carol@pve', time: 999, outcome: 'success' });
    assert.equal(throttle.blocked('10.0.0.9', 'carol@pve', 1003), true);
    throttle.merge({ source: '10.0.0.9', user: 'carol@pve', time: 1003, outcome: 'success' });
    assert.equal(throttle.blocked('10.0.0.9', 'carol@pve', 1004), false);
    assert.deepEqual(shared, []);
    throttle.failed('10.0.0.9', 'carol@pve', 1005);
    throttle.succeeded('10.0.0.9', 'carol@pve', 1006);
    assert.deepEqual(shared, ['failure 10.0.0.9 carol@pve', 'success 10.0.0.9 carol@pve']);
  });
});
