/**
 * Keeping the server keys: made on first start, the ticket key rotated daily by whichever
 * node notices first. The write is conditioned on the ring as read, so concurrent nodes do
 * not rotate twice.
 */
import { dueKeyWrites } from '../auth/server-keys.js';
import { KEYS } from '../store/codec.js';
import { commit, type ServiceContext } from './context.js';

/** Writes the keys that are due; returns whether anything was written. */
export async function ensureServerKeys(ctx: ServiceContext, now: number): Promise<boolean> {
  return commit(ctx, 'key rotation failed', (changes) => {
    const writes = dueKeyWrites(changes.snapshot, now);
    for (const { name, value } of writes) changes.put(KEYS.serverKey(name), value);
    return writes.length > 0;
  });
}
