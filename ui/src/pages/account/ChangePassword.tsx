/**
 * `PUT /access/password` for the logged-in user: the new password twice and the current one
 * (`confirmation-password`). Only pve realm users have a password Tessera keeps; the others
 * are told where theirs lives.
 */
import { useState, type ReactNode } from 'react';
import { api, ApiError } from '../../api.js';
import { Field, Message, useSubmit } from '../../components/Form.js';
import { Panel } from '../../components/Panel.js';
import { SubmitButton, SubmitForm } from '../../components/SubmitForm.js';
import type { Session } from '../../session.js';
import { CurrentPassword, useCurrentPassword } from './common.js';

const ELSEWHERE: Readonly<Record<string, string>> = {
  pam: 'Your password is the one of your Linux account on the server (realm pam): change it there, with passwd.',
  ldap: 'Your password is kept by the LDAP directory of your realm: change it there.',
  ad: 'Your password is kept by the Active Directory of your realm: change it there.',
  openid: 'You log in through an OpenID provider: there is no password to change here.',
};

export function ChangePassword(props: {
  readonly session: Session;
  readonly realmType: string | undefined;
}): ReactNode {
  const { session, realmType } = props;
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const current = useCurrentPassword('confirmation-password');
  const [done, setDone] = useState<string>();
  const submit = useSubmit();
  const elsewhere = realmType !== undefined ? ELSEWHERE[realmType] : undefined;

  return (
    <Panel title="Password">
      {elsewhere !== undefined ? (
        <p>{elsewhere}</p>
      ) : (
        <SubmitForm
          submit={submit}
          onStart={() => {
            setDone(undefined);
          }}
          onSubmit={async () => {
            if (password !== repeat)
              throw new ApiError(400, 'The new password and its repetition differ.', {
                repeat: 'Type the same new password twice.',
              });
            await current.send((confirmation) =>
              api('PUT', '/access/password', {
                userid: session.username,
                password,
                'confirmation-password': confirmation,
              }),
            );
            setPassword('');
            setRepeat('');
            current.clear();
            setDone('Password changed: use the new one at the next login.');
          }}
        >
          <Message text={submit.message} />
          <Message text={done} kind="info" />
          <Field
            label="New password"
            name="password"
            type="password"
            value={password}
            onChange={setPassword}
            errors={submit.errors}
            autoComplete="new-password"
            hint="At least 8 characters."
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
          <CurrentPassword session={session} password={current} errors={submit.errors} />
          <SubmitButton submit={submit}>Change password</SubmitButton>
        </SubmitForm>
      )}
    </Panel>
  );
}
