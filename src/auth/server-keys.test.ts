import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { liveContext } from '../services/context.js';
import { LiveAccess } from '../store/live.js';
import { MemoryStore } from '../store/memory.js';
import { csrfToken, verifyCsrfToken } from './csrf.js';
import { ensureServerKeys } from '../services/server-keys.js';
import { serverKeys } from './server-keys.js';
import { signTicket, verifyTicket } from './ticket.js';

const T = 1_800_000_000;

describe('server keys in the store', () => {
  it('are made once, rotate after 24 h, and keep the previous key for older tickets', async () => {
    const live = await LiveAccess.open(new MemoryStore());
    const ctx = liveContext(live);
    assert.equal(serverKeys(live.snapshot), undefined);
    assert.equal(await ensureServerKeys(ctx, T), true);
    assert.equal(await ensureServerKeys(ctx, T + 3600), false);
    const first = serverKeys(live.snapshot);
    assert.ok(first);
    const ticket = signTicket(first.ring, 'PVE', 'alice@pve', T + 86_000);
    const csrf = csrfToken(first.csrfSecret, 'alice@pve', T + 86_000);

    assert.equal(await ensureServerKeys(ctx, T + 86_400), true);
    const second = serverKeys(live.snapshot);
    assert.ok(second);
    assert.notEqual(second.ring.current.publicKey, first.ring.current.publicKey);
    assert.equal(second.csrfSecret, first.csrfSecret);
    assert.equal(verifyTicket(second.ring, ticket, { now: T + 86_500 })?.data, 'alice@pve');
    assert.ok(verifyCsrfToken(second.csrfSecret, 'alice@pve', csrf, T + 86_500));
    await live.close();
  });

  it('rotate once when several nodes notice at the same time', async () => {
    const store = new MemoryStore();
    const nodes = await Promise.all([1, 2, 3].map(() => LiveAccess.open(store)));
    await ensureServerKeys(liveContext(nodes[0] ?? assert.fail()), T);
    const before = (await store.snapshot()).revision;
    await Promise.all(nodes.map((node) => ensureServerKeys(liveContext(node), T + 90_000)));
    assert.equal((await store.snapshot()).revision, before + 1);
    for (const node of nodes) await node.close();
  });
});
