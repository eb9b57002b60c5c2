import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { renewalTime, retryDelay } from './window.js';

const DAY = 86_400_000;

describe('ACME renewal window', () => {
  it('renews a 90-day certificate 30 days before its end', () => {
    assert.equal(renewalTime({ notBefore: 0, notAfter: 90 * DAY }), 60 * DAY);
  });

  it('renews a short-lived certificate a third of its lifetime before its end', () => {
    assert.equal(renewalTime({ notBefore: 0, notAfter: 6 * DAY }), 4 * DAY);
  });

  it('takes an explicit window instead', () => {
    assert.equal(renewalTime({ notBefore: 0, notAfter: 90 * DAY }, 10 * DAY), 80 * DAY);
  });

  it('backs off from a minute, doubling, to at most six hours', () => {
    assert.deepEqual(
      [1, 2, 3, 9, 10, 100].map(retryDelay),
      [60_000, 120_000, 240_000, 15_360_000, 21_600_000, 21_600_000],
    );
  });
});
