/** Table columns that several resources have, alike on every page. */
import type { Column } from '../../components/Table.js';
import { showExpire } from './format.js';

export function commentColumn<T extends { readonly comment?: string }>(): Column<T> {
  return { key: 'comment', title: 'Comment', value: (row) => row.comment ?? '' };
}

/** Sorted by date, "never" (0) last. */
export function expireColumn<T extends { readonly expire?: number }>(): Column<T> {
  return {
    key: 'expire',
    title: 'Expires',
    value: (row) =>
      row.expire === undefined || row.expire === 0 ? Number.MAX_SAFE_INTEGER : row.expire,
    render: (row) => showExpire(row.expire),
  };
}
