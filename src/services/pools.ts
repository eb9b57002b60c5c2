/**
 * Resource pools: a comment, VMs (each in at most one pool) and storages. A pool with
 * members cannot be deleted; deleting one removes the ACL node of `/pool/<id>`.
 */
import { invalid } from '../errors.js';
import { parseAclPath } from '../model/acl-path.js';
import type { PoolId } from '../model/ids.js';
import type { Pool } from '../model/user-config.js';
import { encodePool, KEYS } from '../store/codec.js';
import type { AccessSnapshot } from '../store/snapshot.js';
import { removeAclPath } from './acl.js';
import { draft } from './audit.js';
import { authorize, type Authorization } from './authorize.js';
import { audited, commit, refuse, type ServiceContext } from './context.js';

/** Creating, changing and deleting a pool takes `Pool.Allocate` on `/pool/<id>`. */
export function mayAllocatePool(auth: Authorization, poolid: PoolId): void {
  auth.perm(`/pool/${poolid}`, ['Pool.Allocate']);
}
import { text } from './fields.js';

const VMID = /^[1-9][0-9]{2,8}$/;
const STORAGE = /^[a-z][a-z0-9\-_.]*[a-z0-9]$/i;

function requirePool(snapshot: AccessSnapshot, poolid: PoolId): Pool {
  const pool = snapshot.users.pools.get(poolid);
  if (!pool) throw refuse(`pool '${poolid}' does not exist`, 'poolid');
  return pool;
}

export async function createPool(
  ctx: ServiceContext,
  poolid: PoolId,
  input: { readonly comment?: string } = {},
): Promise<void> {
  const change = draft('pool', poolid, 'create', { comment: input.comment });
  return audited(ctx, change, async () => {
    mayAllocatePool(await authorize(ctx), poolid);
    const comment = text('comment', input.comment, 2048);
    return commit(
      ctx,
      'create pool failed',
      (changes) => {
        if (changes.snapshot.users.pools.has(poolid))
          throw refuse(`pool '${poolid}' already exists`, 'poolid');
        const pool: Pool = {
          poolid,
          vms: new Set(),
          storage: new Set(),
          ...(comment !== undefined ? { comment } : {}),
        };
        changes.put(KEYS.pool(poolid), encodePool(pool));
      },
      change,
    );
  });
}

export interface UpdatePool {
  readonly comment?: string;
  readonly vms?: readonly string[];
  readonly storage?: readonly string[];
  /** Remove the listed VMs and storages instead of adding them. */
  readonly delete?: boolean;
}

export async function updatePool(
  ctx: ServiceContext,
  poolid: PoolId,
  input: UpdatePool,
): Promise<void> {
  const change = draft('pool', poolid, 'update', {
    comment: input.comment,
    vms: input.vms,
    storage: input.storage,
    delete: input.delete,
  });
  return audited(ctx, change, async () => {
    const auth = await authorize(ctx);
    mayAllocatePool(auth, poolid);
    for (const vmid of input.vms ?? []) auth.perm(`/vms/${vmid}`, ['VM.Allocate']);
    for (const id of input.storage ?? []) auth.perm(`/storage/${id}`, ['Datastore.Allocate']);
    const comment = text('comment', input.comment, 2048);
    const vms = (input.vms ?? []).map((vmid) => {
      if (!VMID.test(vmid)) throw invalid('vms', `invalid VM id '${vmid}'`);
      return vmid;
    });
    for (const storage of input.storage ?? [])
      if (!STORAGE.test(storage)) throw invalid('storage', `invalid storage id '${storage}'`);
    return commit(
      ctx,
      'update pool failed',
      (changes) => {
        const { snapshot } = changes;
        const pool = requirePool(snapshot, poolid);
        const nextVms = new Set(pool.vms);
        const nextStorage = new Set(pool.storage);
        for (const vmid of vms) {
          if (input.delete === true) {
            nextVms.delete(vmid);
            continue;
          }
          for (const other of snapshot.users.pools.values()) {
            changes.expect(KEYS.pool(other.poolid));
            if (other.poolid !== poolid && other.vms.has(vmid))
              throw refuse(`VM ${vmid} is already a pool member`, 'vms');
          }
          nextVms.add(vmid);
        }
        for (const storage of input.storage ?? []) {
          if (input.delete === true) nextStorage.delete(storage);
          else nextStorage.add(storage);
        }
        const base =
          comment !== undefined || input.comment === '' ? { comment } : { comment: pool.comment };
        changes.put(
          KEYS.pool(poolid),
          encodePool({ poolid, vms: nextVms, storage: nextStorage, ...withComment(base.comment) }),
        );
      },
      change,
    );
  });
}

function withComment(comment: string | undefined): { comment?: string } {
  return comment !== undefined ? { comment } : {};
}

export async function deletePool(ctx: ServiceContext, poolid: PoolId): Promise<void> {
  const change = draft('pool', poolid, 'delete');
  return audited(ctx, change, async () => {
    mayAllocatePool(await authorize(ctx), poolid);
    return commit(
      ctx,
      'delete pool failed',
      (changes) => {
        const pool = requirePool(changes.snapshot, poolid);
        if (pool.vms.size > 0 || pool.storage.size > 0)
          throw refuse(`pool '${poolid}' is not empty`);
        changes.delete(KEYS.pool(poolid));
        removeAclPath(changes, parseAclPath(`/pool/${poolid}`));
      },
      change,
    );
  });
}
