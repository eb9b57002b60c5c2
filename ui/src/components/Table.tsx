/**
 * A table that sorts by any column (click or Enter on its header) and filters by text typed
 * into its filter box. Keyboard and screen-reader friendly: real <table>, <th scope>,
 * aria-sort on the sorted column.
 */
import { useMemo, useState, type ReactNode } from 'react';

export interface Column<T> {
  readonly key: string;
  readonly title: string;
  readonly value: (row: T) => string | number;
  readonly render?: (row: T) => ReactNode;
}

export function Table<T>(props: {
  readonly caption: string;
  readonly columns: readonly Column<T>[];
  readonly rows: readonly T[];
  readonly rowKey: (row: T) => string;
  readonly actions?: (row: T) => ReactNode;
  readonly empty?: string;
  /** The order it first shows: by this column (default the first, ascending). */
  readonly sort?: { readonly key: string; readonly descending?: boolean };
}): ReactNode {
  const { caption, columns, rows, rowKey, actions } = props;
  const [sortKey, setSortKey] = useState(props.sort?.key ?? columns[0]?.key ?? '');
  const [descending, setDescending] = useState(props.sort?.descending ?? false);
  const [filter, setFilter] = useState('');
  const shown = useMemo(() => {
    const column = columns.find((c) => c.key === sortKey);
    const needle = filter.trim().toLowerCase();
    const filtered =
      needle === ''
        ? [...rows]
        : rows.filter((row) =>
            columns.some((c) => String(c.value(row)).toLowerCase().includes(needle)),
          );
    if (column)
      filtered.sort((a, b) => {
        const x = column.value(a);
        const y = column.value(b);
        const order =
          typeof x === 'number' && typeof y === 'number'
            ? x - y
            : String(x).localeCompare(String(y));
        return descending ? -order : order;
      });
    return filtered;
  }, [rows, columns, sortKey, descending, filter]);
  const sortBy = (key: string): void => {
    if (key === sortKey) setDescending(!descending);
    else {
      setSortKey(key);
      setDescending(false);
    }
  };
  return (
    <div className="table-wrap">
      <label className="filter">
        Filter {inSentence(caption)}
        <input
          type="search"
          value={filter}
          onChange={(e) => {
            setFilter(e.target.value);
          }}
        />
      </label>
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th
                key={c.key}
                scope="col"
                aria-sort={c.key === sortKey ? (descending ? 'descending' : 'ascending') : 'none'}
              >
                <button
                  type="button"
                  className="sort"
                  onClick={() => {
                    sortBy(c.key);
                  }}
                >
                  {c.title}
                  <span aria-hidden="true">
                    {c.key === sortKey ? (descending ? ' ▾' : ' ▴') : ''}
                  </span>
                </button>
              </th>
            ))}
            {actions ? <th scope="col">Actions</th> : null}
          </tr>
        </thead>
        <tbody>
          {shown.length === 0 ? (
            <tr>
              <td colSpan={columns.length + (actions ? 1 : 0)}>{props.empty ?? 'Nothing here.'}</td>
            </tr>
          ) : (
            shown.map((row) => (
              <tr key={rowKey(row)}>
                {columns.map((c) => (
                  <td key={c.key} data-label={c.title}>
                    {c.render ? c.render(row) : c.value(row)}
                  </td>
                ))}
                {actions ? <td className="actions">{actions(row)}</td> : null}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}

/** A caption within a sentence: "Users" -> "users", but "API tokens" stays as it is. */
function inSentence(caption: string): string {
  const first = caption.split(' ')[0] ?? '';
  return first.length > 1 && first === first.toUpperCase()
    ? caption
    : caption.charAt(0).toLowerCase() + caption.slice(1);
}
