/**
 * `/pools`: resource pools. Tessera keeps pool membership but knows nothing of the VMs
 * themselves, so members are listed as `vms/<vmid>` and `storage/<id>`.
 */
import { rejected } from '../../errors.js';
import { parsePoolId, type PoolId } from '../../model/ids.js';
import { splitList } from '../../model/text.js';
import type { Pool } from '../../model/user-config.js';
import { createPool, deletePool, updatePool } from '../../services/pools.js';
import type { Api } from '../app.js';

function members(pool: Pool): Record<string, unknown>[] {
  return [
    ...[...pool.vms].map((vmid) => ({ id: `vms/${vmid}`, type: 'vm', vmid: Number(vmid) })),
    ...[...pool.storage].map((storage) => ({ id: `storage/${storage}`, type: 'storage', storage })),
  ];
}

export function poolRoutes(api: Api): void {
  api.route('GET', '/pools', {}, ({ snapshot, checks }) =>
    [...snapshot.users.pools.values()]
      .filter((p) => checks.has(`/pool/${p.poolid}`, 'Pool.Audit'))
      .sort((a, b) => a.poolid.localeCompare(b.poolid))
      .map((p) => ({
        poolid: p.poolid,
        ...(p.comment !== undefined ? { comment: p.comment } : {}),
      })),
  );

  api.route(
    'POST',
    '/pools',
    { poolid: { type: 'string' }, comment: { type: 'string', optional: true, maxLength: 2048 } },
    async ({ params, services }) => {
      const poolid: PoolId = parsePoolId(params.poolid);
      await createPool(services, poolid, {
        ...(params.comment !== undefined ? { comment: params.comment } : {}),
      });
      return null;
    },
  );

  api.route(
    'GET',
    '/pools/:poolid',
    { poolid: { type: 'string' } },
    ({ params, snapshot, checks }) => {
      const poolid = parsePoolId(params.poolid);
      checks.perm(`/pool/${poolid}`, ['Pool.Audit']);
      const pool = snapshot.users.pools.get(poolid);
      if (!pool) throw rejected(`pool '${poolid}' does not exist`);
      return {
        ...(pool.comment !== undefined ? { comment: pool.comment } : {}),
        members: members(pool),
      };
    },
  );

  api.route(
    'PUT',
    '/pools/:poolid',
    {
      poolid: { type: 'string' },
      comment: { type: 'string', optional: true, maxLength: 2048 },
      vms: { type: 'string', optional: true },
      storage: { type: 'string', optional: true },
      delete: { type: 'boolean', optional: true },
    },
    async ({ params, services }) => {
      const poolid = parsePoolId(params.poolid);
      const vms = splitList(params.vms);
      const storage = splitList(params.storage);
      await updatePool(services, poolid, {
        ...(params.comment !== undefined ? { comment: params.comment } : {}),
        vms,
        storage,
        ...(params.delete !== undefined ? { delete: params.delete } : {}),
      });
      return null;
    },
  );

  api.route(
    'DELETE',
    '/pools/:poolid',
    { poolid: { type: 'string' } },
    async ({ params, services }) => {
      const poolid = parsePoolId(params.poolid);
      await deletePool(services, poolid);
      return null;
    },
  );
}
