/**
 * A form whose submit runs one handler through `useSubmit`: the browser's own validation off
 * (the server's field errors show instead), no page reload.
 */
import type { ReactNode } from 'react';
import type { Submit } from './Form.js';

export function SubmitForm(props: {
  readonly submit: Submit;
  readonly onSubmit: () => Promise<void>;
  /** Runs first, outside the handler: forgetting the last outcome, say. */
  readonly onStart?: () => void;
  readonly children: ReactNode;
}): ReactNode {
  return (
    <form
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        props.onStart?.();
        void props.submit.run(props.onSubmit);
      }}
    >
      {props.children}
    </form>
  );
}

/** The form's main button, disabled while its handler runs (and whenever `disabled`). */
export function SubmitButton(props: {
  readonly submit: Submit;
  readonly children: ReactNode;
  readonly className?: string;
  readonly disabled?: boolean;
}): ReactNode {
  return (
    <button
      type="submit"
      className={props.className ?? 'primary'}
      disabled={props.submit.busy || props.disabled === true}
    >
      {props.children}
    </button>
  );
}
