/**
 * Adding a TOTP app: Tessera makes the secret (`GET /access/tfa/{userid}/totp-enrollment`),
 * the page shows it as a QR code and as text, and `POST /access/tfa/{userid}` type=totp
 * stores it once a current code from the app proves the app has it.
 */
import { useState, type ReactNode } from 'react';
import { api } from '../../api.js';
import { Field, Message, useSubmit } from '../../components/Form.js';
import { Panel } from '../../components/Panel.js';
import { SubmitButton, SubmitForm } from '../../components/SubmitForm.js';
import type { Session } from '../../session.js';
import {
  CopyField,
  CurrentPassword,
  DescriptionField,
  tfaPath,
  useCurrentPassword,
} from './common.js';

interface Enrollment {
  readonly uri: string;
  readonly secret: string;
  readonly png: string;
}

export function TotpEnroll(props: {
  readonly session: Session;
  readonly onChange: () => void;
}): ReactNode {
  const { session } = props;
  const [enrollment, setEnrollment] = useState<Enrollment>();
  const [description, setDescription] = useState('');
  const [code, setCode] = useState('');
  const password = useCurrentPassword('password');
  const [done, setDone] = useState<string>();
  const submit = useSubmit();

  const reset = (): void => {
    setEnrollment(undefined);
    setDescription('');
    setCode('');
    password.clear();
  };

  return (
    <Panel title="Add a TOTP app">
      <Message text={submit.message} />
      <Message text={done} kind="info" />
      {!enrollment ? (
        <>
          <p>
            An authenticator app (FreeOTP, Aegis, Google Authenticator, …) shows a new code every 30
            seconds; the login asks for it after the password.
          </p>
          <button
            type="button"
            disabled={submit.busy}
            onClick={() => {
              setDone(undefined);
              void submit.run(async () => {
                setEnrollment(
                  await api<Enrollment>('GET', `${tfaPath(session.username)}/totp-enrollment`),
                );
              });
            }}
          >
            Set up a TOTP app
          </button>
        </>
      ) : (
        <SubmitForm
          submit={submit}
          onSubmit={async () => {
            await password.send((current) =>
              api('POST', tfaPath(session.username), {
                type: 'totp',
                totp: enrollment.uri,
                value: code.trim(),
                description,
                password: current,
              }),
            );
            reset();
            setDone('TOTP app added: the next login asks for its code.');
            props.onChange();
          }}
        >
          <p>
            Scan the QR code with the app, or type the secret key into it. Then enter the code it
            shows.
          </p>
          <img className="qr" src={enrollment.png} alt={`QR code for ${session.username}`} />
          <CopyField label="Secret key" value={enrollment.secret} />
          <CopyField label="Setup URI" value={enrollment.uri} />
          <DescriptionField
            value={description}
            onChange={setDescription}
            errors={submit.errors}
            hint="To tell your devices apart, e.g. “phone”."
          />
          <Field
            label="Code from the app"
            name="value"
            value={code}
            onChange={setCode}
            errors={submit.errors}
            inputMode="numeric"
            autoComplete="one-time-code"
            required
          />
          <CurrentPassword session={session} password={password} errors={submit.errors} />
          <div className="row">
            <SubmitButton submit={submit}>Add TOTP app</SubmitButton>
            <button
              type="button"
              onClick={() => {
                reset();
                submit.clear();
              }}
            >
              Cancel
            </button>
          </div>
        </SubmitForm>
      )}
    </Panel>
  );
}
