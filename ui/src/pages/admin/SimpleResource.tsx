/**
 * A page for a resource that is an id and a comment (groups, pools): the list, adding one,
 * changing its comment, deleting it after asking.
 */
import { useState, type ReactNode } from 'react';
import { api } from '../../api.js';
import { Input, useSubmit } from '../../components/Form.js';
import type { Column } from '../../components/Table.js';
import {
  AddButton,
  DeleteButton,
  FormPanel,
  ListTable,
  RowButton,
  useListPage,
  useLoad,
} from './common.js';

export interface SimpleResource<R extends { readonly comment?: string }> {
  /** `group`, in the texts: "Add group", "Group ops created.". */
  readonly noun: string;
  /** The list's path: POST adds to it; `<path>/<id>` is changed (PUT) and deleted. */
  readonly path: string;
  readonly load: () => Promise<R[]>;
  /** The id's parameter and field name (`groupid`), its label and hint. */
  readonly idName: string;
  readonly idLabel: string;
  readonly idHint: string;
  readonly idOf: (row: R) => string;
  readonly caption: string;
  readonly columns: readonly Column<R>[];
  readonly empty: string;
  readonly deleteQuestion: (id: string) => string;
}

export function SimpleResourcePage<R extends { readonly comment?: string }>(props: {
  readonly spec: SimpleResource<R>;
  /** Whether the user may add, change and delete. */
  readonly modify: boolean;
  /** Shown under the list. */
  readonly children?: ReactNode;
}): ReactNode {
  const { spec, modify } = props;
  const rows = useLoad(spec.path, spec.load);
  const page = useListPage<R | 'new'>(rows.reload);
  const Noun = capitalised(spec.noun);

  const actions = (row: R): ReactNode => {
    const id = spec.idOf(row);
    return (
      <>
        <RowButton
          text="Edit"
          name={`Edit ${id}`}
          onClick={() => {
            page.start(row);
          }}
        />
        <DeleteButton
          kind={spec.noun}
          id={id}
          question={spec.deleteQuestion(id)}
          disabled={page.busy}
          onConfirm={() => {
            if (page.open !== undefined && page.open !== 'new' && spec.idOf(page.open) === id)
              page.cancel();
            page.act(`${Noun} ${id} deleted.`, () =>
              api('DELETE', `${spec.path}/${encodeURIComponent(id)}`),
            );
          }}
        />
      </>
    );
  };

  return (
    <div className="admin-page">
      {page.messages}
      {modify && page.open === undefined ? (
        <AddButton
          text={`Add ${spec.noun}`}
          onClick={() => {
            page.start('new');
          }}
        />
      ) : null}
      {page.open !== undefined ? (
        <SimpleForm
          key={page.open === 'new' ? '' : spec.idOf(page.open)}
          spec={spec}
          row={page.open === 'new' ? undefined : page.open}
          onCancel={page.cancel}
          onDone={page.finish}
        />
      ) : null}
      <ListTable
        list={rows}
        caption={spec.caption}
        columns={spec.columns}
        rowKey={spec.idOf}
        actions={modify ? actions : undefined}
        empty={spec.empty}
      />
      {props.children}
    </div>
  );
}

function SimpleForm<R extends { readonly comment?: string }>(props: {
  readonly spec: SimpleResource<R>;
  readonly row: R | undefined;
  readonly onCancel: () => void;
  readonly onDone: (message: string) => void;
}): ReactNode {
  const { spec, row } = props;
  const [id, setId] = useState('');
  const [comment, setComment] = useState(row?.comment ?? '');
  const submit = useSubmit();
  const Noun = capitalised(spec.noun);
  return (
    <FormPanel
      title={row ? `Edit ${spec.noun} ${spec.idOf(row)}` : `Add ${spec.noun}`}
      submit={submit}
      submitText={row ? 'Save' : `Create ${spec.noun}`}
      onCancel={props.onCancel}
      onSubmit={async () => {
        if (row) {
          const rowId = spec.idOf(row);
          await api('PUT', `${spec.path}/${encodeURIComponent(rowId)}`, { comment });
          props.onDone(`${Noun} ${rowId} saved.`);
        } else {
          const newId = id.trim();
          await api('POST', spec.path, {
            [spec.idName]: newId,
            ...(comment !== '' ? { comment } : {}),
          });
          props.onDone(`${Noun} ${newId} created.`);
        }
      }}
    >
      <div className="row">
        {row === undefined ? (
          <Input
            label={spec.idLabel}
            name={spec.idName}
            value={id}
            onChange={setId}
            errors={submit.errors}
            required
            hint={spec.idHint}
          />
        ) : null}
        <Input
          label="Comment"
          name="comment"
          value={comment}
          onChange={setComment}
          errors={submit.errors}
        />
      </div>
    </FormPanel>
  );
}

function capitalised(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
