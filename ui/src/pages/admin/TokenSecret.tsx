/** A new API token's secret: the server shows it this once, so the page offers to copy it. */
import { useState, type ReactNode } from 'react';
import { Message } from '../../components/Form.js';
import { Panel } from '../../components/Panel.js';

/** What `POST .../token/{tokenid}` answers, and `PUT` with `regenerate=1`. */
export interface Created {
  readonly 'full-tokenid': string;
  readonly value: string;
}

/** The new token's secret: shown this once, with a Copy button. */
export function TokenSecret(props: {
  readonly created: Created;
  /** What happened to the token: made, or given a new secret. */
  readonly done?: 'created' | 'regenerated';
  readonly onClose: () => void;
}): ReactNode {
  const [copied, setCopied] = useState<{ text: string; ok: boolean } | undefined>();
  const { created } = props;
  return (
    <Panel
      title={`Token ${created['full-tokenid']} ${props.done ?? 'created'}`}
      focus
      className="secret-box"
    >
      <div className="message warning" role="alert">
        Copy the secret now: it is shown only this once and cannot be read again.
      </div>
      <div className="field">
        <span>Token ID</span>
        <code>{created['full-tokenid']}</code>
      </div>
      <div className="field">
        <span>Secret</span>
        <code className="secret">{created.value}</code>
      </div>
      <p className="hint">
        Use it as <code>Authorization: PVEAPIToken={created['full-tokenid']}=&lt;secret&gt;</code>
      </p>
      <div className="buttons">
        <button
          type="button"
          className="primary"
          onClick={() => {
            navigator.clipboard.writeText(created.value).then(
              () => {
                setCopied({ text: 'The secret is on the clipboard.', ok: true });
              },
              () => {
                setCopied({
                  text: 'Copying failed: select the secret and copy it by hand.',
                  ok: false,
                });
              },
            );
          }}
        >
          Copy
        </button>
        <button type="button" onClick={props.onClose}>
          Done
        </button>
      </div>
      <Message text={copied?.text} kind={copied?.ok === false ? 'warning' : 'info'} />
    </Panel>
  );
}
