/**
 * `/pools`: resource pools, with Proxmox VE 8.1+'s methods on `/pools?poolid=` (which take
 * nested ids) and the deprecated `/pools/{poolid}` ones, kept as Proxmox keeps them. Tessera
 * keeps pool membership but knows nothing of the guests, so members are `vms/<vmid>` and
 * `storage/<id>`.
 */
import { invalid, parameterError, rejected } from '../../errors.js';
import { asPoolId, poolIdError, type PoolId } from '../../model/ids.js';
import { splitList } from '../../model/text.js';
import type { Pool } from '../../model/user-config.js';
import {
  createPool,
  deletePool,
  poolMembers,
  updatePool,
  type PoolMemberType,
} from '../../services/pools.js';
import type { Authorization } from '../../services/authorize.js';
import type { ServiceContext } from '../../services/context.js';
import type { AccessSnapshot } from '../../store/snapshot.js';
import type { OperationRegistry } from '../operation.js';
import type { Params } from '../params.js';
import { POOL_LIST } from './returns.js';
import { COMMENT_DOC, POOLID_DOC } from './param-docs.js';

const MEMBER_TYPES: readonly PoolMemberType[] = ['qemu', 'lxc', 'storage'];

const POOLID_PARAM = { type: 'string', ...POOLID_DOC } as const;
const POOL_COMMENT = { type: 'string', optional: true, maxLength: 2048, ...COMMENT_DOC } as const;
const MEMBER_TYPE = {
  type: 'string',
  optional: true,
  typetext: '<lxc | qemu | storage>',
  description: 'Only members of this kind: qemu (VMs), lxc (containers) or storage.',
} as const;

const UPDATE = {
  poolid: POOLID_PARAM,
  comment: POOL_COMMENT,
  vms: {
    type: 'string',
    optional: true,
    list: true,
    description: 'Guests (VM or container ids) to add to the pool, or with delete to remove.',
  },
  storage: {
    type: 'string',
    optional: true,
    list: true,
    description: 'Storages to add to the pool, or with delete to remove.',
  },
  'allow-move': {
    type: 'boolean',
    optional: true,
    default: 0,
    description: 'Move a guest that is in another pool into this one instead of failing.',
  },
  delete: {
    type: 'boolean',
    optional: true,
    default: 0,
    description: 'Remove the given guests and storages from the pool instead of adding them.',
  },
} as const;

const POOLID = { poolid: POOLID_PARAM } as const;

/** A pool id, refused with Proxmox's words for its `pve-poolid` format. */
function parsePoolId(value: string): PoolId {
  const id = asPoolId(value);
  if (id === undefined) throw invalid('poolid', `invalid format - ${poolIdError(value) ?? ''}\n`);
  return id;
}

/** `type` as Proxmox checks it: one of the kinds, and only together with `poolid`. */
function memberType(
  value: string | undefined,
  poolid: string | undefined,
): PoolMemberType | undefined {
  if (value === undefined) return undefined;
  const type = MEMBER_TYPES.find((t) => t === value);
  if (type === undefined)
    throw parameterError({
      type: `value '${value}' does not have a value in the enumeration '${MEMBER_TYPES.join(', ')}'`,
    });
  if (poolid === undefined) throw parameterError({ poolid: "missing property required by 'type'" });
  return type;
}

/** One pool with its members, for a caller holding `Pool.Audit` on it. */
function readPool(
  snapshot: AccessSnapshot,
  checks: Authorization,
  poolid: string,
  type: PoolMemberType | undefined,
): { poolid: string; comment?: string; members: Record<string, unknown>[] } {
  const id = parsePoolId(poolid);
  // Proxmox's listing with `poolid` checks this and ignores the answer (any user could
  // read any pool); its deprecated `GET /pools/{poolid}` refuses. Tessera refuses both.
  checks.perm(`/pool/${id}`, ['Pool.Audit']);
  const pool: Pool | undefined = snapshot.users.pools.get(id);
  if (!pool) throw rejected(`pool '${id}' does not exist`);
  return {
    members: poolMembers(pool, type),
    ...(pool.comment !== undefined ? { comment: pool.comment } : {}),
    poolid: id,
  };
}

async function update(params: Params<typeof UPDATE>, services: ServiceContext): Promise<null> {
  await updatePool(services, parsePoolId(params.poolid), {
    ...(params.comment !== undefined ? { comment: params.comment } : {}),
    ...(params.vms !== undefined ? { vms: splitList(params.vms) } : {}),
    ...(params.storage !== undefined ? { storage: splitList(params.storage) } : {}),
    ...(params.delete !== undefined ? { delete: params.delete } : {}),
    ...(params['allow-move'] !== undefined ? { allowMove: params['allow-move'] } : {}),
  });
  return null;
}

export function poolOperations(api: OperationRegistry): void {
  api.operation(
    'GET',
    '/pools',
    { poolid: { ...POOLID_PARAM, optional: true }, type: MEMBER_TYPE },
    ({ params, snapshot, checks }) => {
      const type = memberType(params.type, params.poolid);
      if (params.poolid !== undefined) return [readPool(snapshot, checks, params.poolid, type)];
      return [...snapshot.users.pools.values()]
        .filter((p) => checks.has(`/pool/${p.poolid}`, 'Pool.Audit'))
        .sort((a, b) => (a.poolid < b.poolid ? -1 : a.poolid > b.poolid ? 1 : 0))
        .map((p) => ({
          poolid: p.poolid,
          ...(p.comment !== undefined ? { comment: p.comment } : {}),
        }));
    },
    {
      name: 'index',
      description: 'Lists the pools, or one pool with its members.',
      returns: POOL_LIST,
    },
  );

  api.operation(
    'POST',
    '/pools',
    { poolid: POOLID_PARAM, comment: POOL_COMMENT },
    async ({ params, services }) => {
      await createPool(services, parsePoolId(params.poolid), {
        ...(params.comment !== undefined ? { comment: params.comment } : {}),
      });
      return null;
    },
    { name: 'create_pool', description: 'Creates a pool.' },
  );

  api.operation('PUT', '/pools', UPDATE, ({ params, services }) => update(params, services), {
    name: 'update_pool',
    description: 'Changes a pool or its members.',
  });

  api.operation(
    'DELETE',
    '/pools',
    POOLID,
    async ({ params, services }) => {
      await deletePool(services, parsePoolId(params.poolid));
      return null;
    },
    { name: 'delete_pool', description: 'Deletes an empty pool.' },
  );

  // Deprecated since Proxmox VE 8.1 (no nested ids in a path), kept as Proxmox keeps them.
  api.operation(
    'GET',
    '/pools/:poolid',
    { poolid: POOLID_PARAM, type: MEMBER_TYPE },
    ({ params, snapshot, checks }) =>
      readPool(snapshot, checks, params.poolid, memberType(params.type, params.poolid)),
    { name: 'read_pool', description: 'Shows a pool and its members (deprecated: GET /pools).' },
  );

  api.operation(
    'PUT',
    '/pools/:poolid',
    UPDATE,
    ({ params, services }) => update(params, services),
    {
      name: 'update_pool_deprecated',
      description: 'Changes a pool or its members (deprecated: PUT /pools).',
    },
  );

  api.operation(
    'DELETE',
    '/pools/:poolid',
    POOLID,
    async ({ params, services }) => {
      await deletePool(services, parsePoolId(params.poolid));
      return null;
    },
    {
      name: 'delete_pool_deprecated',
      description: 'Deletes an empty pool (deprecated: DELETE /pools).',
    },
  );
}
