/**
 * Pieces the administration pages share: loading a resource, the state of a list page (its
 * open form, the outcome of the last action), the form panel, row buttons, a confirmation
 * dialog, dates. The form fields are in components/Form.tsx.
 */
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { ApiError, describeError } from '../../api.js';
import { Message, useSubmit, type Submit } from '../../components/Form.js';
import { Table, type Column } from '../../components/Table.js';
import './admin.css';

/** What a GET answered, or why it failed; `reload()` asks again. */
export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: string | undefined;
  readonly reload: () => void;
}

/** Loads `load()` once per `key` (and again on `reload()`). */
export function useLoad<T>(key: string, load: () => Promise<T>): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: string }>({});
  const [round, setRound] = useState(0);
  const loader = useRef(load);
  loader.current = load;
  useEffect(() => {
    let live = true;
    loader.current().then(
      (data) => {
        if (live) setState({ data });
      },
      (err: unknown) => {
        if (live) setState({ error: describeError(err) });
      },
    );
    return () => {
      live = false;
    };
  }, [key, round]);
  return {
    data: state.data,
    error: state.error,
    reload: () => {
      setRound((n) => n + 1);
    },
  };
}

/** A check the browser makes before asking: shown next to its field like the server's. */
export function fieldError(field: string, message: string): ApiError {
  return new ApiError(400, 'Parameter verification failed.', { [field]: message });
}

/**
 * A button that asks first, in a modal dialog: "Delete user bob@pve?" with the action and
 * Cancel. `name` is the button's accessible name (visible text first, then what it acts on).
 */
export function ConfirmButton(props: {
  readonly text: string;
  readonly name: string;
  readonly question: string;
  readonly confirm: string;
  readonly onConfirm: () => void;
  readonly disabled?: boolean | undefined;
}): ReactNode {
  const dialog = useRef<HTMLDialogElement>(null);
  const id = useId();
  return (
    <>
      <button
        type="button"
        className="danger"
        aria-label={props.name}
        disabled={props.disabled}
        onClick={() => {
          dialog.current?.showModal();
        }}
      >
        {props.text}
      </button>
      <dialog ref={dialog} aria-labelledby={`${id}-q`}>
        <p id={`${id}-q`}>{props.question}</p>
        <div className="row">
          <button
            type="button"
            className="primary danger-fill"
            onClick={() => {
              dialog.current?.close();
              props.onConfirm();
            }}
          >
            {props.confirm}
          </button>
          <button
            type="button"
            autoFocus
            onClick={() => {
              dialog.current?.close();
            }}
          >
            Cancel
          </button>
        </div>
      </dialog>
    </>
  );
}

/** A section with a heading that takes the focus when it appears (an edit form, a secret). */
export function Panel(props: {
  readonly title: string;
  readonly children: ReactNode;
  readonly focus?: boolean;
  readonly className?: string;
}): ReactNode {
  const heading = useRef<HTMLHeadingElement>(null);
  const id = useId();
  useEffect(() => {
    if (props.focus === true) heading.current?.focus();
  }, [props.focus]);
  return (
    <section
      className={`panel${props.className !== undefined ? ` ${props.className}` : ''}`}
      aria-labelledby={id}
    >
      <h2 id={id} ref={heading} tabIndex={-1}>
        {props.title}
      </h2>
      {props.children}
    </section>
  );
}

/**
 * The state of a list page: the form it shows (`open`: what is being added or edited), and
 * the outcome of the last action, shown above the list (`messages`).
 */
export interface ListPage<F> {
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

export function useListPage<F>(reload: () => void): ListPage<F> {
  const [open, setOpen] = useState<F | undefined>();
  const [done, setDone] = useState<string | undefined>();
  const action = useSubmit();
  return {
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
      reload();
    },
    act: (text, call) => {
      setDone(undefined);
      void action.run(async () => {
        await call();
        setDone(text);
        reload();
      });
    },
  };
}

/** The page's main button ("Add user"), above the list. */
export function AddButton(props: {
  readonly text: string;
  readonly onClick: () => void;
}): ReactNode {
  return (
    <div className="buttons">
      <button
        type="button"
        className="primary"
        onClick={() => {
          props.onClick();
        }}
      >
        {props.text}
      </button>
    </div>
  );
}

/** A button in a table row: `text` on screen, `name` (the text and its row) for readers. */
export function RowButton(props: {
  readonly text: string;
  readonly name: string;
  readonly onClick: () => void;
  readonly disabled?: boolean;
}): ReactNode {
  return (
    <button
      type="button"
      aria-label={props.name}
      disabled={props.disabled}
      onClick={() => {
        props.onClick();
      }}
    >
      {props.text}
    </button>
  );
}

/** "Delete" in the row of `id`, a `kind` ("user"): asks `question`, confirmed by "Delete user". */
export function DeleteButton(props: {
  readonly kind: string;
  readonly id: string;
  readonly question: string;
  readonly disabled: boolean;
  readonly onConfirm: () => void;
}): ReactNode {
  return (
    <ConfirmButton
      text="Delete"
      name={`Delete ${props.id}`}
      question={props.question}
      confirm={`Delete ${props.kind}`}
      disabled={props.disabled}
      onConfirm={props.onConfirm}
    />
  );
}

/**
 * A form in a panel that takes the focus: the form's error above its fields, then the submit
 * button and Cancel (`cancel` names it otherwise); `after` follows the form.
 */
export function FormPanel(props: {
  readonly title: string;
  readonly submit: Submit;
  readonly onSubmit: () => Promise<void>;
  readonly submitText: string;
  readonly onCancel: () => void;
  readonly cancel?: string;
  readonly children: ReactNode;
  readonly after?: ReactNode;
}): ReactNode {
  const { submit } = props;
  return (
    <Panel title={props.title} focus>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit.run(props.onSubmit);
        }}
      >
        <Message text={submit.message} />
        {props.children}
        <div className="buttons">
          <button type="submit" className="primary" disabled={submit.busy}>
            {props.submitText}
          </button>
          <button type="button" onClick={props.onCancel}>
            {props.cancel ?? 'Cancel'}
          </button>
        </div>
      </form>
      {props.after}
    </Panel>
  );
}

/** `YYYY-MM-DD` (local) of a Unix time; empty for 0 (never). */
export function dateOfEpoch(epoch: number | undefined): string {
  if (epoch === undefined || epoch === 0) return '';
  const d = new Date(epoch * 1000);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${String(d.getFullYear())}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** The Unix time of the start of a `YYYY-MM-DD` day (local), 0 for an empty date. */
export function epochOfDate(date: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) return 0;
  const d = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return Math.floor(d.getTime() / 1000);
}

/** An expiry for a table: the date, "never", or "expired" when past. */
export function showExpire(epoch: number | undefined): string {
  if (epoch === undefined || epoch === 0) return 'never';
  const date = dateOfEpoch(epoch);
  return epoch * 1000 < Date.now() ? `${date} (expired)` : date;
}

/** The realm of `name@realm` (after the last `@`). */
export function realmOf(userid: string): string {
  const at = userid.lastIndexOf('@');
  return at < 0 ? '' : userid.slice(at + 1);
}

/** Proxmox's user id: a name without whitespace, `:` or `/`, then `@realm`. */
export function userIdProblem(userid: string): string | undefined {
  if (userid.length < 3) return `user name '${userid}' is too short`;
  if (userid.length > 64) return `user name '${userid}' is too long`;
  if (!/^[^\s:/]+@[A-Za-z][A-Za-z0-9._-]+$/.test(userid))
    return `value '${userid}' does not look like a valid user name (name@realm)`;
  return undefined;
}

export function yesNo(value: boolean): string {
  return value ? 'Yes' : 'No';
}

/** An unfinished load: the error, or a polite wait. */
export function LoadState(props: { readonly error: string | undefined }): ReactNode {
  if (props.error !== undefined)
    return (
      <div className="message error" role="alert">
        {props.error}
      </div>
    );
  return (
    <p className="hint" role="status">
      Loading…
    </p>
  );
}

/** A loaded list as a table (with `actions` in each row, if given); until then, LoadState. */
export function ListTable<T>(props: {
  readonly list: Loaded<readonly T[]>;
  readonly caption: string;
  readonly columns: readonly Column<T>[];
  readonly rowKey: (row: T) => string;
  readonly actions?: ((row: T) => ReactNode) | undefined;
  readonly empty: string;
}): ReactNode {
  const { list, actions } = props;
  if (!list.data) return <LoadState error={list.error} />;
  return (
    <Table
      caption={props.caption}
      columns={props.columns}
      rows={list.data}
      rowKey={props.rowKey}
      {...(actions ? { actions } : {})}
      empty={props.empty}
    />
  );
}
