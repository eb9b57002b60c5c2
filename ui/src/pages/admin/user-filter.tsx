/**
 * "Filter by user: all users / bob@pve / ..." above a list of things that belong to users (API tokens,
 * second factors): the table's text filter matches anywhere, this one the owner exactly.
 */
import type { ReactNode, RefObject } from 'react';
import { Select } from '../../components/Form.js';

const ALL = '';

/** The owners to choose from, sorted, each once. */
export function ownersOf(rows: readonly { readonly userid: string }[]): string[] {
  return [...new Set(rows.map((r) => r.userid))].sort();
}

/** The rows of `userid`, or all of them when no user is chosen. */
export function ofUser<T extends { readonly userid: string }>(
  rows: readonly T[],
  userid: string,
): readonly T[] {
  return userid === ALL ? rows : rows.filter((r) => r.userid === userid);
}

export function UserFilter(props: {
  readonly users: readonly string[];
  readonly value: string;
  readonly onChange: (userid: string) => void;
  /** Holds the filter, so that the focus can go back to it after a row is removed. */
  readonly boxRef?: RefObject<HTMLDivElement | null>;
}): ReactNode {
  // A chosen user whose last row went away stays selectable, so the choice stays visible.
  const users =
    props.value !== ALL && !props.users.includes(props.value)
      ? [...props.users, props.value]
      : props.users;
  return (
    <div className="row" ref={props.boxRef}>
      <Select
        label="Filter by user"
        name="userid-filter"
        value={props.value}
        onChange={props.onChange}
        choices={[{ value: ALL, label: 'All users' }, ...users]}
      />
    </div>
  );
}

/** Puts the focus on the filter in `box` (a removed row's button took it along). */
export function focusFilter(box: RefObject<HTMLDivElement | null>): void {
  box.current?.querySelector('select')?.focus();
}
