/**
 * Registering a security key: `POST /access/tfa/{userid}` type=webauthn with a description
 * answers a challenge, the browser creates the credential on the key, and a second POST
 * with the challenge and the credential stores it.
 */
import { useState, type ReactNode } from 'react';
import { api, ApiError } from '../../api.js';
import { Message, useSubmit } from '../../components/Form.js';
import { Panel } from '../../components/Panel.js';
import { SubmitButton, SubmitForm } from '../../components/SubmitForm.js';
import type { Session } from '../../session.js';
import {
  describeWebauthnError,
  webauthnAvailable,
  webauthnRegistration,
  type RegistrationOptions,
} from '../../webauthn.js';
import { CurrentPassword, DescriptionField, tfaPath, useCurrentPassword } from './common.js';

export function WebauthnRegister(props: {
  readonly session: Session;
  readonly onChange: () => void;
}): ReactNode {
  const { session } = props;
  const [description, setDescription] = useState('');
  const password = useCurrentPassword('password');
  const [status, setStatus] = useState<string>();
  const submit = useSubmit();
  const available = webauthnAvailable();

  const register = async (): Promise<void> => {
    const started = await password.send((current) =>
      api<{ challenge: string }>('POST', tfaPath(session.username), {
        type: 'webauthn',
        description,
        password: current,
      }),
    );
    const { publicKey } = JSON.parse(started.challenge) as { publicKey: RegistrationOptions };
    setStatus('Touch your security key (or follow the browser’s prompt)…');
    let credential: string;
    try {
      credential = await webauthnRegistration(publicKey);
    } catch (err) {
      throw new Error(describeWebauthnError(err) ?? `The browser refused: ${String(err)}`, {
        cause: err,
      });
    } finally {
      setStatus(undefined);
    }
    try {
      await password.send((current) =>
        api('POST', tfaPath(session.username), {
          type: 'webauthn',
          challenge: publicKey.challenge,
          value: credential,
          password: current,
        }),
      );
    } catch (err) {
      if (err instanceof ApiError && err.errors['value'] !== undefined)
        throw new Error(`The server refused the key: ${err.errors['value']}`, { cause: err });
      throw err;
    }
    setDescription('');
    password.clear();
    setStatus(`Security key “${description}” registered.`);
    props.onChange();
  };

  return (
    <Panel title="Add a security key">
      <p>A FIDO2 / WebAuthn key (YubiKey, a passkey of this device, …) instead of a code.</p>
      {!available ? (
        <Message
          kind="warning"
          text="This browser cannot use security keys here: WebAuthn needs HTTPS (or localhost) and a host name."
        />
      ) : null}
      <Message text={submit.message} />
      <Message text={status} kind="info" />
      <SubmitForm
        submit={submit}
        onStart={() => {
          setStatus(undefined);
        }}
        onSubmit={register}
      >
        <DescriptionField
          value={description}
          onChange={setDescription}
          errors={submit.errors}
          hint="To tell your keys apart, e.g. “blue YubiKey”."
        />
        <CurrentPassword session={session} password={password} errors={submit.errors} />
        <SubmitButton submit={submit} disabled={!available}>
          Register security key
        </SubmitButton>
      </SubmitForm>
    </Panel>
  );
}
