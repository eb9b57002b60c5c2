import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuthCause } from '../errors.js';
import { MemoryStore } from '../store/memory.js';
import { EventLog, prune, readEvents } from './events.js';
import type { AuthEvent } from '../model/events.js';
import { eventKey } from '../store/event-keys.js';

const DAY_MS = 86_400_000;

function failure(user: string, time: number, cause: AuthCause): AuthEvent {
  return { kind: 'login', outcome: 'failure', cause, user, rhost: '10.0.0.1', node: 'n', time };
}

describe('authentication events', () => {
  it('are written in one transaction per batch and read back by user and time', async () => {
    const store = new MemoryStore();
    const log = new EventLog(store, 'pve1');
    const t = Date.now();
    log.record(failure('alice@pve', t + 1000, 'wrong_password'));
    log.record({ kind: 'login', outcome: 'success', user: 'bob@pve', rhost: '', time: t + 2000 });
    log.record(failure('alice', t + 3000, 'unknown_user'));
    const before = (await store.snapshot()).revision;
    await log.flush();
    assert.equal((await store.snapshot()).revision, before + 1, 'one transaction');
    assert.equal(log.pending, 0);
    const alice = await readEvents(store, { user: 'alice' });
    assert.deepEqual(
      alice.map((e) => e.cause),
      ['wrong_password', 'unknown_user'],
    );
    assert.deepEqual(
      (await readEvents(store, { since: t + 2000 })).map((e) => e.user),
      ['bob@pve', 'alice'],
    );
  });

  it('stay within the retention: by age, then by count, oldest first', async () => {
    const store = new MemoryStore();
    const now = Date.now();
    for (const days of [40, 20, 3, 2, 1]) {
      const event = failure('u@pve', now - days * DAY_MS, 'wrong_password');
      await store.transact(
        [],
        [{ op: 'put', key: eventKey(event, days), value: JSON.stringify(event) }],
      );
    }
    const removed = await prune(store, { maxEvents: 2, maxAgeSeconds: 30 * 86_400 }, now);
    assert.equal(removed, 3);
    assert.deepEqual(
      (await readEvents(store)).map((e) => Math.round((now - e.time) / DAY_MS)),
      [2, 1],
    );
  });
});
