/**
 * A page for a resource that is an id and a comment (groups, pools): the list, adding one,
 * changing its comment, deleting it after asking.
 */
import { useState, type ReactNode } from 'react';
import { api, itemPath } from '../../api.js';
import { Input, useSubmit } from '../../components/Form.js';
import type { Column } from '../../components/Table.js';
import { EditButton } from './buttons.js';
import { CommentInput } from './fields.js';
import { capitalised } from './format.js';
import { addOrEdit, FormPanel, type FormEvents } from './FormPanel.js';
import { DeleteRowButton, ListPageView, useListPage } from './list-page.js';

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
  const page = useListPage<R, R | 'new'>(spec.path, spec.load);

  const actions = (row: R): ReactNode => {
    const id = spec.idOf(row);
    return (
      <>
        <EditButton
          id={id}
          onClick={() => {
            page.start(row);
          }}
        />
        <DeleteRowButton
          page={page}
          kind={spec.noun}
          id={id}
          question={spec.deleteQuestion(id)}
          shows={(open) => open !== 'new' && spec.idOf(open) === id}
          remove={() => api('DELETE', itemPath(spec.path, id))}
        />
      </>
    );
  };

  return (
    <ListPageView
      page={page}
      add={modify ? { text: `Add ${spec.noun}`, form: 'new' } : undefined}
      form={(open) => (
        <SimpleForm
          key={open === 'new' ? '' : spec.idOf(open)}
          spec={spec}
          row={open === 'new' ? undefined : open}
          onCancel={page.cancel}
          onDone={page.finish}
        />
      )}
      caption={spec.caption}
      columns={spec.columns}
      rowKey={spec.idOf}
      actions={modify ? actions : undefined}
      empty={spec.empty}
    >
      {props.children}
    </ListPageView>
  );
}

export function SimpleForm<R extends { readonly comment?: string }>(
  props: FormEvents & {
    readonly spec: SimpleResource<R>;
    readonly row: R | undefined;
  },
): ReactNode {
  const { spec, row } = props;
  const [id, setId] = useState('');
  const [comment, setComment] = useState(row?.comment ?? '');
  const submit = useSubmit();
  const Noun = capitalised(spec.noun);
  return (
    <FormPanel
      {...addOrEdit(spec.noun, row ? spec.idOf(row) : undefined)}
      submit={submit}
      onCancel={props.onCancel}
      onSubmit={async () => {
        if (row) {
          const rowId = spec.idOf(row);
          await api('PUT', itemPath(spec.path, rowId), { comment });
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
        <CommentInput value={comment} onChange={setComment} errors={submit.errors} />
      </div>
    </FormPanel>
  );
}
