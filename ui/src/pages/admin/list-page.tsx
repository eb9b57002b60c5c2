/**
 * The scaffolding of a list page (users, groups, roles, ...): the list loaded into a sortable
 * table, the "Add" button that opens a form above it, the row buttons that edit or delete, and
 * the outcome of the last change above it all; after a change the list loads again.
 */
import { useState, type ReactNode } from 'react';
import { Message, useSubmit } from '../../components/Form.js';
import { Table, type Column } from '../../components/Table.js';
import { AddButton, ConfirmButton } from './buttons.js';
import { capitalised } from './format.js';
import { useLoad, type Loaded } from './load.js';
import { LoadState } from './LoadState.js';
import './admin.css';

/**
 * The state of a list page: its list, the form it shows (`open`: what is being added or
 * edited), and the outcome of the last action (`messages`).
 */
export interface ListPage<T, F> {
  readonly list: Loaded<readonly T[]>;
  readonly open: F | undefined;
  /** An action from a row is running. */
  readonly busy: boolean;
  /** The action's error, then what was done. */
  readonly messages: ReactNode;
  /** Opens a form, forgetting the last outcome. */
  readonly start: (form: F) => void;
  readonly cancel: () => void;
  /** Closes the form, says what it did and reloads the list. */
  readonly finish: (text?: string) => void;
  /** Runs an action from a row: when it succeeds, says `text` and reloads the list. */
  readonly act: (text: string, call: () => Promise<unknown>) => void;
}

/** Loads the list with `load()` once per `key`; `F` is what a form can be open for. */
export function useListPage<T, F>(key: string, load: () => Promise<readonly T[]>): ListPage<T, F> {
  const list = useLoad(key, load);
  const [open, setOpen] = useState<F | undefined>();
  const [done, setDone] = useState<string | undefined>();
  const action = useSubmit();
  return {
    list,
    open,
    busy: action.busy,
    messages: (
      <>
        <Message text={action.message} />
        <Message text={done} kind="info" />
      </>
    ),
    start: (form) => {
      setDone(undefined);
      setOpen(form);
    },
    cancel: () => {
      setOpen(undefined);
    },
    finish: (text) => {
      setOpen(undefined);
      setDone(text);
      list.reload();
    },
    act: (text, call) => {
      setDone(undefined);
      void action.run(async () => {
        await call();
        setDone(text);
        list.reload();
      });
    },
  };
}

/**
 * A list page laid out: `intro`, the outcome of the last action, `notice`, then the open form
 * or else the add button (none without `add`), the table, and `children` under it.
 */
export function ListPageView<T, F>(props: {
  readonly page: ListPage<T, F>;
  readonly intro?: ReactNode;
  readonly notice?: ReactNode;
  /** The add button's text and the form it opens; `onOpen` runs as it opens. */
  readonly add?:
    { readonly text: string; readonly form: NoInfer<F>; readonly onOpen?: () => void } | undefined;
  readonly form: (open: F) => ReactNode;
  readonly caption: string;
  readonly columns: readonly Column<T>[];
  readonly rowKey: (row: T) => string;
  /** The buttons of a row; no column for them without. */
  readonly actions?: ((row: T) => ReactNode) | undefined;
  readonly empty: string;
  readonly children?: ReactNode;
}): ReactNode {
  const { page, add, actions } = props;
  const list = page.list.data;
  return (
    <div className="admin-page">
      {props.intro}
      {page.messages}
      {props.notice}
      {page.open !== undefined ? (
        props.form(page.open)
      ) : add ? (
        <AddButton
          text={add.text}
          onClick={() => {
            page.start(add.form);
            add.onOpen?.();
          }}
        />
      ) : null}
      {list ? (
        <Table
          caption={props.caption}
          columns={props.columns}
          rows={list}
          rowKey={props.rowKey}
          {...(actions ? { actions } : {})}
          empty={props.empty}
        />
      ) : (
        <LoadState error={page.list.error} />
      )}
      {props.children}
    </div>
  );
}

/**
 * "Delete" in the row of `id`, a `kind` ("user"): asks `question`, confirmed by "Delete
 * user"; then closes the form if `shows` says it is this row's, runs `remove` and says
 * "User bob@pve deleted.".
 */
export function DeleteRowButton<T, F>(props: {
  readonly page: ListPage<T, F>;
  readonly kind: string;
  readonly id: string;
  readonly question: string;
  readonly remove: () => Promise<unknown>;
  readonly shows?: (open: F) => boolean;
  readonly disabled?: boolean;
}): ReactNode {
  const { page, id } = props;
  return (
    <ConfirmButton
      text="Delete"
      name={`Delete ${id}`}
      question={props.question}
      confirm={`Delete ${props.kind}`}
      disabled={page.busy || props.disabled === true}
      onConfirm={() => {
        if (page.open !== undefined && props.shows?.(page.open) === true) page.cancel();
        page.act(`${capitalised(props.kind)} ${id} deleted.`, props.remove);
      }}
    />
  );
}
