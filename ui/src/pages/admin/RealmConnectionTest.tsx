/**
 * "Test connection" under the realm form: the form's settings tried by the server
 * (`POST /access/tessera/domains/check`) without saving them; the answer below the button, a
 * failure as an alert, a success as a status.
 */
import { useState, type ReactNode } from 'react';
import { api, describeError, type Params } from '../../api.js';
import { FieldError } from '../../components/Form.js';
import type { RealmType } from './realm-options.js';

const CHECK = '/access/tessera/domains/check';

interface Outcome {
  readonly ok: boolean;
  readonly text: string;
}

export function RealmConnectionTest(props: {
  readonly type: RealmType;
  /** The settings to try; throws (an ApiError naming the field) when the form is incomplete. */
  readonly params: () => Params;
}): ReactNode {
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | undefined>();
  const what = props.type === 'openid' ? 'the provider' : 'the directory server';

  const run = async (): Promise<void> => {
    setBusy(true);
    setOutcome(undefined);
    try {
      const answer = await api<{ ok: number; message: string }>('POST', CHECK, props.params());
      setOutcome({
        ok: answer.ok === 1,
        text: answer.ok === 1 ? answer.message : `Connection failed: ${answer.message}`,
      });
    } catch (err) {
      setOutcome({ ok: false, text: `Could not test: ${describeError(err)}` });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="connection-test">
      <div className="buttons">
        <button
          type="button"
          disabled={busy}
          onClick={() => {
            void run();
          }}
        >
          Test connection
        </button>
      </div>
      <p className="hint">Tries the settings above with {what}; nothing is saved.</p>
      <div aria-live="polite">
        {busy ? <p className="hint">Testing…</p> : null}
        {outcome?.ok === true ? (
          <p className="message info" role="status">
            {outcome.text}
          </p>
        ) : null}
      </div>
      <FieldError error={outcome?.ok === false ? outcome.text : undefined} />
    </div>
  );
}
