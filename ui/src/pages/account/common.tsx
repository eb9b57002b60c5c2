/**
 * Pieces shared by the account panels: the user's second-factor entries, where they live in
 * the API, and the "Current password" every change asks for (root@pam excepted, as the
 * server wants it).
 */
import { useId, useState, type ReactNode } from 'react';
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
async function withCurrentPassword<T>(field: string, action: () => Promise<T>): Promise<T> {
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

/** The "Current password" a change asks for, under the parameter `name`. */
export interface CurrentPasswordState {
  readonly name: string;
  readonly value: string;
  readonly set: (value: string) => void;
  readonly clear: () => void;
  /**
   * Runs the change with the password (none when left empty, as for root@pam); the server
   * refusing it shows at the field.
   */
  readonly send: <T>(change: (password: string | undefined) => Promise<T>) => Promise<T>;
}

export function useCurrentPassword(name: string): CurrentPasswordState {
  const [value, setValue] = useState('');
  return {
    name,
    value,
    set: setValue,
    clear: () => {
      setValue('');
    },
    send: (change) => withCurrentPassword(name, () => change(value !== '' ? value : undefined)),
  };
}

/** The field of a `useCurrentPassword`, for all but root@pam. */
export function CurrentPassword(props: {
  readonly session: Session;
  readonly password: CurrentPasswordState;
  readonly errors: Readonly<Record<string, string>>;
}): ReactNode {
  const { password } = props;
  if (!needsPassword(props.session)) return null;
  return (
    <Field
      label="Current password"
      name={password.name}
      type="password"
      value={password.value}
      onChange={password.set}
      errors={props.errors}
      autoComplete="current-password"
      required
    />
  );
}

/** What tells a second factor apart from the user's others; `hint` gives an example. */
export function DescriptionField(props: {
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly errors: Readonly<Record<string, string>>;
  readonly hint: string;
}): ReactNode {
  return <Field label="Description" name="description" {...props} required />;
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
