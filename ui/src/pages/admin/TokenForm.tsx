/** The form that creates an API token, for the user itself or (with User.Modify) another. */
import { useState, type ReactNode } from 'react';
import { api, itemPath } from '../../api.js';
import { Checkbox, Input, Select, useSubmit } from '../../components/Form.js';
import { CommentInput, ExpiryInput } from './fields.js';
import { epochOfDate } from './format.js';
import { FormPanel, type FormEvents } from './FormPanel.js';
import type { Created } from './TokenSecret.js';

/** Where a user's tokens are: `/access/users/bob%40pve/token`. */
export function tokensPath(userid: string): string {
  return `${itemPath('/access/users', userid)}/token`;
}

export function TokenForm(
  props: Pick<FormEvents, 'onCancel'> & {
    /** Whose token it can be, the logged-in user first. */
    readonly users: readonly string[];
    readonly onCreated: (created: Created) => void;
  },
): ReactNode {
  const [userid, setUserid] = useState(props.users[0] ?? '');
  const [tokenid, setTokenid] = useState('');
  const [comment, setComment] = useState('');
  const [expire, setExpire] = useState('');
  const [privsep, setPrivsep] = useState(true);
  const submit = useSubmit();
  return (
    <FormPanel
      title="Add API token"
      submit={submit}
      submitText="Create token"
      onCancel={props.onCancel}
      onSubmit={async () => {
        const answer = await api<Created>('POST', itemPath(tokensPath(userid), tokenid.trim()), {
          ...(comment !== '' ? { comment } : {}),
          expire: epochOfDate(expire),
          privsep,
        });
        props.onCreated(answer);
      }}
    >
      <div className="row">
        {props.users.length > 1 ? (
          <Select
            label="User"
            name="userid"
            value={userid}
            onChange={setUserid}
            choices={props.users}
            errors={submit.errors}
          />
        ) : null}
        <Input
          label="Token name"
          name="tokenid"
          value={tokenid}
          onChange={setTokenid}
          errors={submit.errors}
          required
          hint="Starts with a letter; letters, digits, '.', '-' and '_'."
        />
        <CommentInput value={comment} onChange={setComment} errors={submit.errors} />
        <ExpiryInput
          value={expire}
          onChange={setExpire}
          errors={submit.errors}
          hint="Empty: never (or when the user expires)."
        />
      </div>
      <Checkbox label="Privilege separation" checked={privsep} onChange={setPrivsep} />
    </FormPanel>
  );
}
