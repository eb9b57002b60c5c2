/**
 * Pieces the administration pages share: loading a resource, form fields that Form.tsx does
 * not have (select, check list, input with suggestions), a confirmation dialog, dates.
 */
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { ApiError, describeError } from '../../api.js';
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

function ErrorText(props: { readonly id: string; readonly error: string | undefined }): ReactNode {
  if (props.error === undefined) return null;
  return (
    <div className="field-error" id={props.id} role="alert">
      {props.error.trim()}
    </div>
  );
}

interface Common {
  readonly label: string;
  readonly name: string;
  readonly errors?: Readonly<Record<string, string>> | undefined;
  readonly hint?: ReactNode | undefined;
  readonly required?: boolean | undefined;
  readonly disabled?: boolean | undefined;
}

/** A text input with its label, hint, error and optional suggestions (a datalist). */
export function Input(
  props: Common & {
    readonly value: string;
    readonly onChange: (value: string) => void;
    readonly type?: string | undefined;
    readonly suggestions?: readonly string[] | undefined;
    readonly autoComplete?: string | undefined;
    readonly placeholder?: string | undefined;
    readonly inputMode?: 'numeric' | 'text' | undefined;
  },
): ReactNode {
  const id = useId();
  const error = props.errors?.[props.name];
  const described = [
    props.hint !== undefined ? `${id}-hint` : '',
    error !== undefined ? `${id}-error` : '',
  ]
    .filter((s) => s !== '')
    .join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? 'text'}
        value={props.value}
        required={props.required}
        disabled={props.disabled}
        autoComplete={props.autoComplete ?? 'off'}
        placeholder={props.placeholder}
        inputMode={props.inputMode}
        list={props.suggestions ? `${id}-list` : undefined}
        aria-invalid={error !== undefined}
        aria-describedby={described === '' ? undefined : described}
        onChange={(e) => {
          props.onChange(e.target.value);
        }}
      />
      {props.suggestions ? (
        <datalist id={`${id}-list`}>
          {props.suggestions.map((s) => (
            <option key={s} value={s} />
          ))}
        </datalist>
      ) : null}
      {props.hint !== undefined ? (
        <div className="hint" id={`${id}-hint`}>
          {props.hint}
        </div>
      ) : null}
      <ErrorText id={`${id}-error`} error={error} />
    </div>
  );
}

export interface Choice {
  readonly value: string;
  readonly label?: string;
}

/** A select with its label, hint and error. */
export function Select(
  props: Common & {
    readonly value: string;
    readonly onChange: (value: string) => void;
    readonly choices: readonly (Choice | string)[];
  },
): ReactNode {
  const id = useId();
  const error = props.errors?.[props.name];
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <select
        id={id}
        name={props.name}
        value={props.value}
        required={props.required}
        disabled={props.disabled}
        aria-invalid={error !== undefined}
        aria-describedby={error !== undefined ? `${id}-error` : undefined}
        onChange={(e) => {
          props.onChange(e.target.value);
        }}
      >
        {props.choices.map((c) => {
          const choice = typeof c === 'string' ? { value: c } : c;
          return (
            <option key={choice.value} value={choice.value}>
              {choice.label ?? choice.value}
            </option>
          );
        })}
      </select>
      {props.hint !== undefined ? <div className="hint">{props.hint}</div> : null}
      <ErrorText id={`${id}-error`} error={error} />
    </div>
  );
}

/** Several checkboxes under one legend (a multi-select that works on a phone). */
export function CheckList(
  props: Common & {
    readonly choices: readonly string[];
    readonly selected: readonly string[];
    readonly onChange: (selected: string[]) => void;
    readonly empty?: string | undefined;
  },
): ReactNode {
  const id = useId();
  const error = props.errors?.[props.name];
  const toggle = (choice: string, on: boolean): void => {
    const next = new Set(props.selected);
    if (on) next.add(choice);
    else next.delete(choice);
    props.onChange(props.choices.filter((c) => next.has(c)));
  };
  return (
    <fieldset
      className="checklist"
      aria-describedby={error !== undefined ? `${id}-error` : undefined}
    >
      <legend>{props.label}</legend>
      {props.choices.length === 0 ? (
        <p className="hint">{props.empty ?? 'None to choose.'}</p>
      ) : null}
      <div className="checks">
        {props.choices.map((choice) => (
          <label className="checkbox" key={choice}>
            <input
              type="checkbox"
              name={props.name}
              value={choice}
              checked={props.selected.includes(choice)}
              disabled={props.disabled}
              onChange={(e) => {
                toggle(choice, e.target.checked);
              }}
            />
            {choice}
          </label>
        ))}
      </div>
      {props.hint !== undefined ? <div className="hint">{props.hint}</div> : null}
      <ErrorText id={`${id}-error`} error={error} />
    </fieldset>
  );
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
