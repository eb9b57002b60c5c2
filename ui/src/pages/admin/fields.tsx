/** Form fields that several resources have, labelled and named alike on every page. */
import type { ReactNode } from 'react';
import { Input } from '../../components/Form.js';

interface FieldOf {
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly errors: Readonly<Record<string, string>>;
}

export function CommentInput(props: FieldOf): ReactNode {
  return <Input label="Comment" name="comment" {...props} />;
}

/** The `expire` date (`YYYY-MM-DD`); `hint` says what empty means for this resource. */
export function ExpiryInput(props: FieldOf & { readonly hint: string }): ReactNode {
  return <Input label="Expiry date" name="expire" type="date" {...props} />;
}
