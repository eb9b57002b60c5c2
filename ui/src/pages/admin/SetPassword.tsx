/**
 * Setting another user's password (`PUT /access/password` with `userid`), apart from the rest
 * of the user's form: the new password twice and, for all but root@pam, the administrator's
 * own password as `confirmation-password`, as Proxmox 8 asks. The server decides; the button
 * only shows where it would.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { api, fieldError } from '../../api.js';
import { Field, Message, useSubmit } from '../../components/Form.js';
import { SubmitButton, SubmitForm } from '../../components/SubmitForm.js';
import { can, type Session } from '../../session.js';
import { needsPassword, useCurrentPassword } from '../account/common.js';

/**
 * Whether `session` may set the password of `userid` (of a realm of `realmType`): only pve
 * users have a password Tessera keeps; someone else's needs `User.Modify` on the user's
 * groups, and root@pam's is root@pam's alone. The server also asks `Realm.AllocateUser` on the
 * realm, which `cap` does not carry (Proxmox's own interface decides on `User.Modify` too): a
 * refusal shows as the form's error.
 */
export function maySetPassword(
  session: Session,
  userid: string,
  realmType: string | undefined,
): boolean {
  if (realmType !== 'pve') return false;
  if (userid === session.username) return true;
  if (userid === 'root@pam') return false;
  return can(session, 'access', 'User.Modify');
}

/** The "Set password" action of a user: a button that opens its own small form. */
export function SetPassword(props: {
  readonly session: Session;
  readonly userid: string;
  /** After the change: the user's sessions have ended with it. */
  readonly onDone?: (message: string) => void;
}): ReactNode {
  const { session, userid } = props;
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [done, setDone] = useState<string>();
  const current = useCurrentPassword('confirmation-password');
  const submit = useSubmit();
  const opener = useRef<HTMLButtonElement>(null);
  const refocus = useRef(false);
  const self = userid === session.username;

  // Closing the form puts the keyboard user back on the button that opened it.
  useEffect(() => {
    if (open || !refocus.current) return;
    refocus.current = false;
    opener.current?.focus();
  }, [open]);

  const close = (): void => {
    setOpen(false);
    setPassword('');
    setRepeat('');
    current.clear();
    submit.clear();
    refocus.current = true;
  };

  if (!open)
    return (
      <div className="set-password">
        <Message text={done} kind="info" />
        <div className="buttons">
          <button
            type="button"
            ref={opener}
            aria-label={`Set password of ${userid}`}
            onClick={() => {
              setDone(undefined);
              setOpen(true);
            }}
          >
            Set password
          </button>
        </div>
      </div>
    );

  return (
    <section className="set-password panel" aria-label={`Set password of ${userid}`}>
      <h3>Set password of {userid}</h3>
      <SubmitForm
        submit={submit}
        onSubmit={async () => {
          if (password !== repeat) throw fieldError('repeat', 'the two new passwords differ');
          await current.send((confirmation) =>
            api('PUT', '/access/password', {
              userid,
              password,
              'confirmation-password': confirmation,
            }),
          );
          const message = self
            ? 'Your password is set: log in again with it.'
            : `Password of ${userid} set; every session of ${userid} has ended.`;
          close();
          setDone(message);
          props.onDone?.(message);
        }}
      >
        <Message text={submit.message} />
        <div className="row">
          <Field
            label="New password"
            name="password"
            type="password"
            value={password}
            onChange={setPassword}
            errors={submit.errors}
            autoComplete="new-password"
            hint="At least 8 characters."
            describeHint
            autoFocus
            required
          />
          <Field
            label="Repeat new password"
            name="repeat"
            type="password"
            value={repeat}
            onChange={setRepeat}
            errors={submit.errors}
            autoComplete="new-password"
            required
          />
        </div>
        {needsPassword(session) ? (
          <Field
            label={`Your password (${session.username})`}
            name={current.name}
            type="password"
            value={current.value}
            onChange={current.set}
            errors={submit.errors}
            autoComplete="current-password"
            hint="Proves it is you who changes another account."
            describeHint
            required
          />
        ) : null}
        <div className="buttons">
          <SubmitButton submit={submit}>Set password</SubmitButton>
          <button type="button" onClick={close}>
            Cancel
          </button>
        </div>
      </SubmitForm>
    </section>
  );
}
