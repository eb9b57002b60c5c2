/** A panel of the Diagnostics page: controls that load rows, and the rows as a table. */
import { useState, type ReactNode } from 'react';
import { Field, Message, useSubmit, type Submit } from '../../components/Form.js';
import { Table, type Column } from '../../components/Table.js';

/**
 * A panel (`<id>-title` names it) whose controls run `load`, a GET, and show its answer as a
 * table; its error shows above the controls.
 */
export function Report<T>(props: {
  readonly id: string;
  readonly title: string;
  readonly load: () => Promise<T[]>;
  /** What starts it: `run` loads; `submit` has the busy flag and the field errors. */
  readonly controls: (run: () => void, submit: Submit) => ReactNode;
  readonly caption: string;
  readonly columns: readonly Column<T>[];
  readonly rowKey: (row: T) => string;
  readonly empty?: string;
  /** The order the table first shows (default: by the first column, ascending). */
  readonly sort?: { readonly key: string; readonly descending?: boolean };
}): ReactNode {
  const [rows, setRows] = useState<T[] | undefined>();
  const submit = useSubmit();
  const run = (): void => {
    void submit.run(async () => {
      setRows(await props.load());
    });
  };
  return (
    <section className="panel" aria-labelledby={`${props.id}-title`}>
      <h2 id={`${props.id}-title`}>{props.title}</h2>
      <Message text={submit.message} />
      {props.controls(run, submit)}
      {rows ? (
        <Table
          caption={props.caption}
          rows={rows}
          rowKey={props.rowKey}
          columns={props.columns}
          {...(props.empty !== undefined ? { empty: props.empty } : {})}
          {...(props.sort !== undefined ? { sort: props.sort } : {})}
        />
      ) : null}
    </section>
  );
}

/** A report's filters: its fields in a row, and the button that runs it. */
export function ReportFilters(props: {
  readonly run: () => void;
  readonly submit: Submit;
  readonly button: string;
  readonly children: ReactNode;
}): ReactNode {
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        props.run();
      }}
    >
      <div className="row">{props.children}</div>
      <button type="submit" className="primary" disabled={props.submit.busy}>
        {props.button}
      </button>
    </form>
  );
}

/** The period a report covers, in the server's words (`since`). */
export function SinceField(props: {
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly submit: Submit;
}): ReactNode {
  return (
    <Field
      label="Since"
      name="since"
      value={props.value}
      onChange={props.onChange}
      errors={props.submit.errors}
      hint="30m, 2h, 7d or a date"
    />
  );
}
