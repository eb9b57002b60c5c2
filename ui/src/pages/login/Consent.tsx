/**
 * datacenter.cfg's `consent-text`, shown before the login form as Proxmox's login window
 * shows it; the page carries it (base64) in the root element's `data-consent`. It is shown
 * as plain text, line breaks kept: Proxmox renders Markdown.
 */
import { useId, type ReactNode } from 'react';
import { decodeConsentText } from '../../../../src/model/datacenter.js';

/** The consent text the page came with, if any. */
export function pageConsentText(): string | undefined {
  const encoded = document.getElementById('root')?.dataset['consent'];
  if (encoded === undefined || encoded === '') return undefined;
  return decodeConsentText(encoded);
}

export function Consent(props: {
  readonly text: string;
  readonly onAccept: () => void;
}): ReactNode {
  const id = useId();
  return (
    <section className="login" aria-labelledby={`${id}-title`}>
      <h1 id={`${id}-title`}>Consent</h1>
      <div className="consent-text">{props.text}</div>
      <button
        type="button"
        className="primary"
        autoFocus
        onClick={() => {
          props.onAccept();
        }}
      >
        OK
      </button>
    </section>
  );
}
