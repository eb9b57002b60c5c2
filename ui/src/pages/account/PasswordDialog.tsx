/**
 * A modal dialog for a change the server takes only with the caller's current password
 * (root@pam excepted): the question, the password field and the action. The server's
 * refusal shows in the dialog, at the field; on success the dialog closes and `onDone` runs.
 */
import { useEffect, useId, useRef, type ReactNode } from 'react';
import { Message, useSubmit } from '../../components/Form.js';
import { SubmitButton, SubmitForm } from '../../components/SubmitForm.js';
import type { Session } from '../../session.js';
import { CurrentPassword, useCurrentPassword } from './common.js';

export function PasswordDialog(props: {
  readonly session: Session;
  readonly question: string;
  readonly detail?: string;
  readonly confirm: string;
  readonly danger?: boolean;
  readonly change: (password: string | undefined) => Promise<unknown>;
  readonly onDone: () => void;
  readonly onClose: () => void;
}): ReactNode {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const password = useCurrentPassword('password');
  const submit = useSubmit();

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => {
      dialog?.close();
    };
  }, []);

  return (
    <dialog ref={ref} aria-labelledby={titleId} onClose={props.onClose}>
      <SubmitForm
        submit={submit}
        onSubmit={async () => {
          await password.send(props.change);
          ref.current?.close();
          props.onDone();
        }}
      >
        <h2 id={titleId}>{props.question}</h2>
        {props.detail !== undefined ? <p>{props.detail}</p> : null}
        <Message text={submit.message} />
        <CurrentPassword session={props.session} password={password} errors={submit.errors} />
        <div className="row">
          <SubmitButton submit={submit} className={props.danger === true ? 'danger' : 'primary'}>
            {props.confirm}
          </SubmitButton>
          <button
            type="button"
            autoFocus={props.session.username === 'root@pam'}
            onClick={() => {
              ref.current?.close();
            }}
          >
            Cancel
          </button>
        </div>
      </SubmitForm>
    </dialog>
  );
}
