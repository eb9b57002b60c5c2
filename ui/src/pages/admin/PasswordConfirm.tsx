/**
 * A row button whose change the server takes only with the actor's current password (second
 * factors of any user, root@pam excepted, as Proxmox's TFA panel asks): it opens a modal
 * dialog with the question, the password field and the action. The server's refusal shows in
 * the dialog, at the field; on success the dialog closes and `onDone` says what was done.
 */
import { useState, type ReactNode } from 'react';
import type { Session } from '../../session.js';
import { PasswordDialog } from '../account/PasswordDialog.js';

export function PasswordConfirmButton(props: {
  readonly session: Session;
  readonly text: string;
  /** The button's accessible name: its text and what it acts on. */
  readonly name: string;
  readonly question: string;
  readonly detail?: string;
  readonly confirm: string;
  readonly danger?: boolean;
  readonly disabled?: boolean;
  readonly change: (password: string | undefined) => Promise<unknown>;
  readonly onDone: () => void;
}): ReactNode {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button
        type="button"
        className={props.danger === true ? 'danger' : undefined}
        aria-label={props.name}
        disabled={props.disabled}
        onClick={() => {
          setOpen(true);
        }}
      >
        {props.text}
      </button>
      {open ? (
        <PasswordDialog
          {...props}
          onClose={() => {
            setOpen(false);
          }}
        />
      ) : null}
    </>
  );
}
