/**
 * Recovery keys: `POST /access/tfa/{userid}` type=recovery answers ten single-use keys, shown
 * this once, with a download as a text file. While a set exists the server refuses a new
 * one, so the panel says to delete the old set first.
 */
import { useState, type ReactNode } from 'react';
import { api } from '../../api.js';
import { Message, useSubmit } from '../../components/Form.js';
import { Panel } from '../../components/Panel.js';
import { SubmitButton, SubmitForm } from '../../components/SubmitForm.js';
import type { Session } from '../../session.js';
import {
  CurrentPassword,
  formatTime,
  tfaPath,
  useCurrentPassword,
  type TfaEntry,
} from './common.js';

function download(userid: string, keys: readonly string[]): void {
  const text = [
    `Tessera recovery keys for ${userid}, made ${new Date().toISOString()}.`,
    'Each key logs in once, in place of a second factor.',
    '',
    ...keys.map((key, i) => `${String(i + 1).padStart(2, ' ')}. ${key}`),
    '',
  ].join('\n');
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = `tessera-recovery-keys-${userid}.txt`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => {
    URL.revokeObjectURL(url);
  }, 10_000);
}

export function RecoveryKeys(props: {
  readonly session: Session;
  readonly existing: TfaEntry | undefined;
  readonly onChange: () => void;
}): ReactNode {
  const { session, existing } = props;
  const [keys, setKeys] = useState<readonly string[]>();
  const password = useCurrentPassword('password');
  const submit = useSubmit();

  let body: ReactNode;
  if (keys) {
    body = (
      <>
        <Message
          kind="warning"
          text="These keys are shown only now. Download them or write them down before you leave this page, and keep them apart from your other factors. Each key logs in once."
        />
        <ol aria-label="Recovery keys" className="secret">
          {keys.map((key) => (
            <li key={key}>{key}</li>
          ))}
        </ol>
        <div className="row">
          <button
            type="button"
            className="primary"
            onClick={() => {
              download(session.username, keys);
            }}
          >
            Download
          </button>
          <button
            type="button"
            onClick={() => {
              setKeys(undefined);
            }}
          >
            I have saved them
          </button>
        </div>
      </>
    );
  } else if (existing) {
    body = (
      <p>
        You have a set of recovery keys, made {formatTime(existing.created)}. The login shows how
        many are left. For a new set, delete this one in the list of second factors first.
      </p>
    );
  } else {
    body = (
      <SubmitForm
        submit={submit}
        onSubmit={async () => {
          const answer = await password.send((current) =>
            api<{ recovery: string[] }>('POST', tfaPath(session.username), {
              type: 'recovery',
              password: current,
            }),
          );
          password.clear();
          setKeys(answer.recovery);
          props.onChange();
        }}
      >
        <p>
          Ten single-use keys that log in when your other second factors are not at hand (a lost
          phone or key).
        </p>
        <CurrentPassword session={session} password={password} errors={submit.errors} />
        <SubmitButton submit={submit}>Generate recovery keys</SubmitButton>
      </SubmitForm>
    );
  }

  return (
    <Panel title="Recovery keys">
      <Message text={submit.message} />
      {body}
    </Panel>
  );
}
