/** An unfinished load: the error, or a polite wait. */
import type { ReactNode } from 'react';

export function LoadState(props: { readonly error: string | undefined }): ReactNode {
  if (props.error !== undefined)
    return (
      <div className="message error" role="alert">
        {props.error}
      </div>
    );
  return (
    <p className="hint" role="status">
      Loading…
    </p>
  );
}
