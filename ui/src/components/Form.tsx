/**
 * Form pieces that show the server's answer where it belongs: each field with its label and
 * its own error (the `errors` map of a 400), the general message above the form.
 */
import { useId, useState, type ReactNode } from 'react';
import { ApiError, describeError } from '../api.js';

export interface FieldProps {
  readonly label: string;
  readonly name: string;
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly errors?: Readonly<Record<string, string>>;
  readonly type?: string;
  readonly required?: boolean;
  readonly autoComplete?: string;
  readonly hint?: ReactNode;
  readonly inputMode?: 'numeric' | 'text';
  readonly autoFocus?: boolean;
}

export function Field(props: FieldProps): ReactNode {
  const id = useId();
  const error = props.errors?.[props.name];
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? 'text'}
        value={props.value}
        required={props.required}
        autoComplete={props.autoComplete}
        inputMode={props.inputMode}
        autoFocus={props.autoFocus}
        aria-invalid={error !== undefined}
        aria-describedby={error !== undefined ? `${id}-error` : undefined}
        onChange={(e) => {
          props.onChange(e.target.value);
        }}
      />
      {props.hint !== undefined ? <div className="hint">{props.hint}</div> : null}
      {error !== undefined ? (
        <div className="field-error" id={`${id}-error`} role="alert">
          {error.trim()}
        </div>
      ) : null}
    </div>
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

/** Runs a submit handler and keeps its outcome: busy flag, message, field errors. */
export function useSubmit(): {
  busy: boolean;
  message: string | undefined;
  errors: Readonly<Record<string, string>>;
  run: (action: () => Promise<void>) => Promise<void>;
  clear: () => void;
} {
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
