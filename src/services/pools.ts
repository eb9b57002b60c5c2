/**
 * Resource pools, as Proxmox VE 8.1+ keeps them: a comment, VMs (each in at most one pool)
 * and storages; ids nest with `/` up to three levels, and a nested pool needs its parent.
 * A pool with members or sub-pools cannot be deleted; deleting one removes the ACL node of
 * `/pool/<id>`. Tessera knows no guests or storages of its own: every listed member counts.
 */
import { forbidden, invalid } from '../errors.js';
import { parseAclPath, type AclPath } from '../model/acl-path.js';
import { PRIVILEGES, privilegeBit, type Privilege } from '../model/privileges.js';
import { parentPool, type Authid, type PoolId } from '../model/ids.js';
import type { Pool, UserConfig } from '../model/user-config.js';
import { PermissionEngine, type PermissionResult } from '../permissions/engine.js';
import { firstMissing } from '../permissions/excess.js';
import { encodePool, KEYS } from '../store/codec.js';
import type { AccessSnapshot } from '../store/snapshot.js';
import { removeAclPath } from './acl.js';
import { draft } from './audit.js';
import { authorize, type Authorization } from './authorize.js';
import { audited, commit, refuse, type Changes, type ServiceContext } from './context.js';
import { text } from './fields.js';

/** Creating, changing and deleting a pool takes `Pool.Allocate` on `/pool/<id>`. */
export function mayAllocatePool(auth: Authorization, poolid: PoolId): void {
  auth.perm(`/pool/${poolid}`, ['Pool.Allocate']);
}

// Proxmox's pve-vmid and pve-storage-id formats.
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
        const { pools } = changes.snapshot.users;
        if (pools.has(poolid)) throw refuse(`pool '${poolid}' already exists`, 'poolid');
        const parentId = parentPool(poolid);
        const parent = parentId === undefined ? undefined : pools.get(parentId);
        if (parentId !== undefined && parent === undefined)
          throw refuse(`parent '${parentId}' of pool '${poolid}' does not exist`, 'poolid');
        // Only the last level: a parent that came from a file may start otherwise.
        if (!/^[A-Za-z]/.test(poolid.slice(poolid.lastIndexOf('/') + 1)))
          throw refuse('pool name must start with a letter', 'poolid');
        const pool: Pool = {
          poolid,
          vms: new Set(),
          storage: new Set(),
          ...(comment !== undefined ? { comment } : {}),
        };
        changes.put(KEYS.pool(poolid), encodePool(pool));
        // Written again unchanged: a concurrent delete of the parent, which found no
        // sub-pool, then conflicts instead of leaving this one without its parent.
        if (parent !== undefined) changes.put(KEYS.pool(parent.poolid), encodePool(parent));
      },
      change,
    );
  });
}

export interface UpdatePool {
  /** Replaces the comment; `''` removes it. */
  readonly comment?: string;
  readonly vms?: readonly string[];
  readonly storage?: readonly string[];
  /** Remove the listed VMs and storages instead of adding them. */
  readonly delete?: boolean;
  /** Take a VM out of the pool it is in (with `Pool.Allocate` there) instead of refusing. */
  readonly allowMove?: boolean;
}

/** A pool being changed within one decision, written once at the end. */
interface Draft {
  readonly base: Pool;
  readonly vms: Set<string>;
  readonly storage: Set<string>;
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
    'allow-move': input.allowMove,
  });
  return audited(ctx, change, async () => {
    const auth = await authorize(ctx);
    mayAllocatePool(auth, poolid);
    const comment = text('comment', input.comment, 2048);
    for (const vmid of input.vms ?? [])
      if (!VMID.test(vmid))
        throw invalid('vms', 'invalid format - value does not look like a valid VM ID\n');
    for (const storage of input.storage ?? [])
      if (!STORAGE.test(storage))
        throw invalid(
          'storage',
          `invalid format - storage ID '${storage}' contains illegal characters\n`,
        );
    const remove = input.delete === true;
    return commit(
      ctx,
      'update pools failed',
      (changes) => {
        const { snapshot } = changes;
        const target = requirePool(snapshot, poolid);
        const drafts = new Map<PoolId, Draft>();
        const draftOf = (pool: Pool): Draft => {
          let d = drafts.get(pool.poolid);
          if (!d)
            drafts.set(
              pool.poolid,
              (d = { base: pool, vms: new Set(pool.vms), storage: new Set(pool.storage) }),
            );
          return d;
        };
        const own = draftOf(target);
        // Which pool holds each VM, read once (a request may name many VMs).
        const holder = input.vms?.length ? vmHolders(changes) : new Map<string, PoolId>();
        // In Proxmox's order: each VM's permission is checked when its turn comes.
        for (const vmid of input.vms ?? []) {
          auth.perm(`/vms/${vmid}`, ['Permissions.Modify', 'VM.Allocate'], true);
          if (remove) {
            if (!own.vms.delete(vmid)) throw refuse(`VM ${vmid} is not a pool member`, 'vms');
            holder.delete(vmid);
            continue;
          }
          if (own.vms.has(vmid)) throw refuse(`VM ${vmid} is already a pool member`, 'vms');
          const existing = holder.get(vmid);
          if (existing !== undefined) {
            if (input.allowMove !== true)
              throw refuse(
                `VM ${vmid} belongs already to pool '${existing}' and 'allow-move' is not set`,
                'vms',
              );
            mayAllocatePool(auth, existing);
            const from = snapshot.users.pools.get(existing);
            if (from) draftOf(from).vms.delete(vmid);
          }
          own.vms.add(vmid);
          holder.set(vmid, poolid);
        }
        for (const storage of input.storage ?? []) {
          auth.perm(`/storage/${storage}`, ['Permissions.Modify', 'Datastore.Allocate'], true);
          if (remove) {
            if (!own.storage.delete(storage))
              throw refuse(`Storage '${storage}' is not a pool member`, 'storage');
          } else if (own.storage.has(storage)) {
            throw refuse(`Storage '${storage}' is already a pool member`, 'storage');
          } else {
            own.storage.add(storage);
          }
        }
        mayMoveMembers(auth, changes.snapshot, drafts);
        for (const d of drafts.values()) {
          const next =
            d.base.poolid === poolid && input.comment !== undefined ? comment : d.base.comment;
          changes.put(
            KEYS.pool(d.base.poolid),
            encodePool({
              poolid: d.base.poolid,
              vms: d.vms,
              storage: d.storage,
              ...(next !== undefined ? { comment: next } : {}),
            }),
          );
        }
      },
      change,
    );
  });
}

/**
 * No escalation by delegation: a pool's ACL entries apply to its members, so adding a VM or
 * storage to a pool (or taking it out of one whose entries restricted someone) must not give
 * anyone a privilege on it that the actor does not hold there (docs/compatibility.md). Only
 * the members' own paths change; `Pool.*` privileges mean nothing there and are not counted.
 */
function mayMoveMembers(
  auth: Authorization,
  snapshot: AccessSnapshot,
  drafts: ReadonlyMap<PoolId, Draft>,
): void {
  if (auth.isRoot) return;
  const moved = new Set<string>();
  for (const d of drafts.values()) {
    for (const [kind, before, after] of [
      ['vms', d.base.vms, d.vms],
      ['storage', d.base.storage, d.storage],
    ] as const)
      for (const id of new Set([...before, ...after]))
        if (before.has(id) !== after.has(id)) moved.add(`/${kind}/${id}`);
  }
  const config = snapshot.users;
  const principals = poolPrincipals(config, drafts.keys());
  if (moved.size === 0 || principals.size === 0) return;
  const pools = new Map(config.pools);
  for (const d of drafts.values())
    pools.set(d.base.poolid, { ...d.base, vms: d.vms, storage: d.storage });
  const after = PermissionEngine.compile({ ...config, pools });
  for (const path of [...moved].sort() as AclPath[]) {
    const own = auth.engine.result(auth.actor.authid, path);
    for (const who of [...principals].sort()) {
      const gained = gainedPrivilege(after.result(who, path), auth.engine.result(who, path), own);
      if (gained !== undefined)
        throw forbidden(
          `${who} would gain ${gained} on ${path}, which you do not hold: ` +
            'handing out privileges you do not hold is not allowed',
        );
    }
  }
}

/** `Pool.*` privileges mean nothing on a pool's member: counted as held by everyone. */
const POOL_ONLY: PermissionResult = (() => {
  let gl = 0;
  let gh = 0;
  for (const privilege of PRIVILEGES.filter((p) => p.startsWith('Pool.'))) {
    const bit = privilegeBit(privilege);
    if (bit < 32) gl |= 1 << bit;
    else gh |= 1 << (bit - 32);
  }
  return { gl: gl >>> 0, gh: gh >>> 0, pl: 0, ph: 0 };
})();

/** The first privilege in `after` that neither `before` nor `own` has, `Pool.*` aside. */
function gainedPrivilege(
  after: PermissionResult,
  before: PermissionResult,
  own: PermissionResult,
): Privilege | undefined {
  return firstMissing(
    after,
    { ...own, gl: own.gl | POOL_ONLY.gl, gh: own.gh | POOL_ONLY.gh },
    before,
  );
}

/**
 * The users and tokens whose privileges on a pool's members come from entries on the pool's path or
 * above it (`/pool`, parent pools); an entry on `/` reaches the members directly anyway.
 */
function poolPrincipals(config: UserConfig, poolids: Iterable<PoolId>): Set<Authid> {
  const paths = new Set<string>(['/pool']);
  for (const poolid of poolids) {
    const parts = poolid.split('/');
    for (let depth = 1; depth <= parts.length; depth++)
      paths.add(`/pool/${parts.slice(0, depth).join('/')}`);
  }
  const users = new Set<Authid>();
  for (const [path, node] of config.acl) {
    if (!paths.has(path)) continue;
    for (const userid of node.users.keys()) users.add(userid);
    for (const groupid of node.groups.keys())
      for (const member of config.groups.get(groupid)?.members ?? []) users.add(member);
    for (const tokenid of node.tokens.keys()) users.add(tokenid);
  }
  return users;
}

/** VM id -> the pool it is in; every pool is read, so a change to any of them conflicts. */
function vmHolders(changes: Changes): Map<string, PoolId> {
  const out = new Map<string, PoolId>();
  for (const pool of changes.snapshot.users.pools.values()) {
    changes.expect(KEYS.pool(pool.poolid));
    for (const vmid of pool.vms) out.set(vmid, pool.poolid);
  }
  return out;
}

export async function deletePool(ctx: ServiceContext, poolid: PoolId): Promise<void> {
  const change = draft('pool', poolid, 'delete');
  return audited(ctx, change, async () => {
    mayAllocatePool(await authorize(ctx), poolid);
    return commit(
      ctx,
      'delete pool failed',
      (changes) => {
        const { pools } = changes.snapshot.users;
        const pool = requirePool(changes.snapshot, poolid);
        const [child] = [...pools.keys()].filter((id) => parentPool(id) === poolid).sort();
        if (child !== undefined)
          throw refuse(`pool '${poolid}' is not empty (contains pool '${child}')`);
        // Proxmox skips guests and storages its cluster no longer has; Tessera knows none.
        const [vmid] = [...pool.vms].sort();
        if (vmid !== undefined) throw refuse(`pool '${poolid}' is not empty (contains VM ${vmid})`);
        const [storage] = [...pool.storage].sort();
        if (storage !== undefined)
          throw refuse(`pool '${poolid}' is not empty (contains storage '${storage}')`);
        changes.delete(KEYS.pool(poolid));
        removeAclPath(changes, parseAclPath(`/pool/${poolid}`));
      },
      change,
    );
  });
}

/** The member kinds `GET /pools?type=` selects. */
export type PoolMemberType = 'qemu' | 'lxc' | 'storage';

/**
 * A pool's members as Proxmox lists them, without what only a cluster knows (a guest's
 * kind, node and status): with `type` `qemu` or `lxc` the VMs, since Tessera cannot tell
 * the kinds apart; with `storage` the storages.
 */
export function poolMembers(pool: Pool, type?: PoolMemberType): Record<string, unknown>[] {
  const vms =
    type === 'storage'
      ? []
      : [...pool.vms].sort().map((vmid) => ({ id: `vms/${vmid}`, type: 'vm', vmid: Number(vmid) }));
  const storage =
    type === 'qemu' || type === 'lxc'
      ? []
      : [...pool.storage]
          .sort()
          .map((storage) => ({ id: `storage/${storage}`, type: 'storage', storage }));
  return [...vms, ...storage];
}
