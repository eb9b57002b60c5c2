/**
 * Form pieces that show the server's answer where it belongs: each field with its label and
 * its own error (the `errors` map of a 400), the general message above the form. Every field
 * of the interface is here: text inputs, selects, check lists, checkboxes.
 */
import { useId, useState, type ReactNode } from 'react';
import { ApiError, describeError } from '../api.js';

/** What every field has: its label, its name (the key of its error) and an optional hint. */
interface Common {
  readonly label: string;
  readonly name: string;
  readonly errors?: Readonly<Record<string, string>> | undefined;
  readonly hint?: ReactNode | undefined;
  readonly required?: boolean | undefined;
  readonly disabled?: boolean | undefined;
}

export interface FieldProps extends Common {
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly type?: string | undefined;
  readonly autoComplete?: string | undefined;
  readonly inputMode?: 'numeric' | 'text' | undefined;
  readonly autoFocus?: boolean | undefined;
  readonly placeholder?: string | undefined;
  /** Values the browser offers as the user types (a datalist). */
  readonly suggestions?: readonly string[] | undefined;
}

/** A field's own error, under it; `id` for the field's `aria-describedby`. */
export function FieldError(props: {
  readonly id?: string;
  readonly error: string | undefined;
}): ReactNode {
  if (props.error === undefined) return null;
  return (
    <div className="field-error" id={props.id} role="alert">
      {props.error.trim()}
    </div>
  );
}

/**
 * A text input with its label, hint, error and optional suggestions. `describeHint` makes the
 * hint part of the input's description (`aria-describedby`), as the administration pages do.
 */
export function Field(props: FieldProps & { readonly describeHint?: boolean }): ReactNode {
  const id = useId();
  const error = props.errors?.[props.name];
  const hinted = props.describeHint === true && props.hint !== undefined;
  const described = [hinted ? `${id}-hint` : '', error !== undefined ? `${id}-error` : '']
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
        autoComplete={props.autoComplete}
        placeholder={props.placeholder}
        inputMode={props.inputMode}
        autoFocus={props.autoFocus}
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
        <div className="hint" id={hinted ? `${id}-hint` : undefined}>
          {props.hint}
        </div>
      ) : null}
      <FieldError id={`${id}-error`} error={error} />
    </div>
  );
}

/** The administration pages' text input: not filled in by the browser, its hint described. */
export function Input(props: FieldProps): ReactNode {
  return <Field {...props} autoComplete={props.autoComplete ?? 'off'} describeHint />;
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
      <FieldError id={`${id}-error`} error={error} />
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
      <FieldError id={`${id}-error`} error={error} />
    </fieldset>
  );
}

export function Checkbox(props: {
  readonly label: string;
  readonly checked: boolean;
  readonly onChange: (checked: boolean) => void;
}): ReactNode {
  return (
    <label className="checkbox">
      <input
        type="checkbox"
        checked={props.checked}
        onChange={(e) => {
          props.onChange(e.target.checked);
        }}
      />
      {props.label}
    </label>
  );
}

/** The outcome of a submit handler: busy flag, message, field errors. */
export interface Submit {
  readonly busy: boolean;
  readonly message: string | undefined;
  readonly errors: Readonly<Record<string, string>>;
  readonly run: (action: () => Promise<void>) => Promise<void>;
  readonly clear: () => void;
}

/** Runs a submit handler and keeps its outcome. */
export function useSubmit(): Submit {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | undefined>();
  const [errors, setErrors] = useState<Readonly<Record<string, string>>>({});
  return {
    busy,
    message,
    errors,
    clear: () => {
      setMessage(undefined);
      setErrors({});
    },
    run: async (action) => {
      setBusy(true);
      setMessage(undefined);
      setErrors({});
      try {
        await action();
      } catch (err) {
        setErrors(err instanceof ApiError ? err.errors : {});
        setMessage(
          err instanceof ApiError && Object.keys(err.errors).length > 0
            ? err.message
            : describeError(err),
        );
      } finally {
        setBusy(false);
      }
    },
  };
}

export function Message(props: {
  readonly text: string | undefined;
  readonly kind?: 'error' | 'info' | 'warning';
}): ReactNode {
  if (props.text === undefined) return null;
  return (
    <div
      className={`message ${props.kind ?? 'error'}`}
      role={props.kind === 'info' ? 'status' : 'alert'}
    >
      {props.text}
    </div>
  );
}
