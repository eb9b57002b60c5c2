/**
 * Pieces shared by the account panels: the user's second-factor entries, where they live in
 * the API, and the "Current password" every change asks for (root@pam excepted, as the
 * server wants it).
 */
import { useId, type ReactNode } from 'react';
import { ApiError } from '../../api.js';
import { Field } from '../../components/Form.js';
import type { Session } from '../../session.js';

export interface TfaEntry {
  readonly type: string;
  readonly id: string;
  readonly description?: string;
  readonly created: number;
  readonly enable?: boolean | number;
}

export const TYPE_NAMES: Readonly<Record<string, string>> = {
  totp: 'TOTP app',
  webauthn: 'Security key',
  recovery: 'Recovery keys',
  yubico: 'Yubico OTP',
  u2f: 'U2F key (legacy)',
};

export function typeName(type: string): string {
  return TYPE_NAMES[type] ?? type;
}

export function tfaPath(userid: string): string {
  return `/access/tfa/${encodeURIComponent(userid)}`;
}

/** Whether changes must carry the user's current password (all but root@pam's). */
export function needsPassword(session: Session): boolean {
  return session.username !== 'root@pam';
}

/**
 * Runs a change; a 401 is the server refusing the current password (sent as `field`), so it
 * is shown at that field.
 */
export async function withCurrentPassword<T>(field: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (err) {
    if (err instanceof ApiError && err.status === 401)
      throw new ApiError(
        401,
        'The current password was not accepted. (If it is right, your session has expired: log in again.)',
        { [field]: 'Not accepted.' },
      );
    throw err;
  }
}

export function formatTime(unix: number): string {
  return new Date(unix * 1000).toLocaleString();
}

export function CurrentPassword(props: {
  readonly session: Session;
  readonly name: string;
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly errors: Readonly<Record<string, string>>;
}): ReactNode {
  if (!needsPassword(props.session)) return null;
  return (
    <Field
      label="Current password"
      name={props.name}
      type="password"
      value={props.value}
      onChange={props.onChange}
      errors={props.errors}
      autoComplete="current-password"
      required
    />
  );
}

/** A read-only value the user copies (a secret, a URI), with its label. */
export function CopyField(props: { readonly label: string; readonly value: string }): ReactNode {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        className="secret"
        readOnly
        value={props.value}
        onFocus={(e) => {
          e.target.select();
        }}
      />
    </div>
  );
}

/** A panel of the page: a region named by its heading. */
export function Panel(props: { readonly title: string; readonly children: ReactNode }): ReactNode {
  const id = useId();
  return (
    <section className="panel" aria-labelledby={id}>
      <h2 id={id}>{props.title}</h2>
      {props.children}
    </section>
  );
}
