/**
 * Resource pools: the list with members (Tessera keeps membership only: `vms/<vmid>`,
 * `storage/<id>`), creating, changing the comment, deleting an empty pool.
 */
import type { ReactNode } from 'react';
import { api, itemPath } from '../../api.js';
import type { PageProps } from '../page.js';
import { commentColumn } from './columns.js';
import { SimpleResourcePage, type SimpleResource } from './SimpleResource.js';

interface PoolRow {
  readonly poolid: string;
  readonly comment?: string;
  readonly members?: readonly string[];
}

interface PoolDetail {
  readonly members: readonly { readonly id: string }[];
}

async function loadPools(): Promise<PoolRow[]> {
  const pools = await api<PoolRow[]>('GET', '/pools');
  return Promise.all(
    pools.map(async (p) => {
      try {
        const detail = await api<PoolDetail>('GET', itemPath('/pools', p.poolid));
        return { ...p, members: detail.members.map((m) => m.id) };
      } catch {
        return p;
      }
    }),
  );
}

const POOLS: SimpleResource<PoolRow> = {
  noun: 'pool',
  path: '/pools',
  load: loadPools,
  idName: 'poolid',
  idLabel: 'Pool ID',
  idHint: "Letters, digits, '.', '-' and '_'; nested pools as parent/child.",
  idOf: (p) => p.poolid,
  caption: 'Pools',
  columns: [
    { key: 'poolid', title: 'Pool', value: (p) => p.poolid },
    commentColumn(),
    { key: 'members', title: 'Members', value: (p) => (p.members ?? []).join(', ') },
  ],
  empty: 'No pools.',
  deleteQuestion: (id) => `Delete pool ${id}? Only an empty pool can be deleted.`,
};

export function AdminPools(_props: PageProps): ReactNode {
  return <SimpleResourcePage spec={POOLS} modify />;
}
