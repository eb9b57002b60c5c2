/**
 * What the first start left to do, above every page (`GET /access/tessera/notices`, decided
 * by the server for the logged-in user alone): the bootstrap administrator is asked to replace
 * the printed password and offered a second factor; administrators are told to delete the file
 * that holds the printed password. Notices are advice: when they cannot be loaded, none show.
 */
import { useEffect, useState, type ReactNode } from 'react';
import { api } from '../api.js';
import type { Session } from '../session.js';
import './admin/audit.css';

/** As `Notice` in src/services/notices.ts. */
type Notice =
  | { readonly code: 'bootstrap_password' }
  | { readonly code: 'second_factor' }
  | { readonly code: 'bootstrap_password_file'; readonly file: string; readonly valid: boolean };

function Shown(props: { readonly notice: Notice }): ReactNode {
  const { notice } = props;
  switch (notice.code) {
    case 'bootstrap_password':
      return (
        <div className="message warning">
          <strong>Set a new password.</strong>
          <p>
            You are logged in with the password printed at the first start, which anyone who saw the
            console or the data directory knows. <a href="#/account">Change your password</a> under
            My account (Password); you log in again with the new one.
          </p>
        </div>
      );
    case 'second_factor':
      return (
        <div className="message info">
          <strong>Add a second factor.</strong>
          <p>
            This account administers everything: protect it with a TOTP app or a WebAuthn key (and
            recovery keys): <a href="#/account">add a second factor</a> under My account.
          </p>
        </div>
      );
    case 'bootstrap_password_file':
      return (
        <div className="message warning">
          <strong>The printed password is still in the data directory.</strong>
          <p>
            {notice.valid
              ? `${notice.file} still holds the working password of admin@pve. Change that password, then delete the file:`
              : `${notice.file} holds the first start's password, which no longer works. Delete the file:`}{' '}
            <code>rm {notice.file}</code>
          </p>
        </div>
      );
  }
}

export function FirstRunNotices(props: {
  readonly session: Session;
  /** Reloaded on every page: a notice goes once its cause is fixed. */
  readonly route: string;
}): ReactNode {
  const [notices, setNotices] = useState<readonly Notice[]>([]);
  const { username } = props.session;
  useEffect(() => {
    let current = true;
    api<Notice[]>('GET', '/access/tessera/notices').then(
      (list) => {
        if (current) setNotices(list);
      },
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [username, props.route]);
  if (notices.length === 0) return null;
  return (
    <section className="notices" aria-label="Notices">
      {notices.map((n) => (
        <Shown key={n.code} notice={n} />
      ))}
    </section>
  );
}
