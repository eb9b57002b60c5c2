/**
 * API tokens of the logged-in user: the list, creating one (the secret is shown once, with a
 * Copy button), deleting. `Authorization: PVEAPIToken=<user>!<name>=<secret>` uses one.
 */
import { useState, type ReactNode } from 'react';
import { api, itemPath } from '../../api.js';
import { Checkbox, Input, useSubmit } from '../../components/Form.js';
import type { Column } from '../../components/Table.js';
import type { PageProps } from '../page.js';
import { commentColumn, expireColumn } from './columns.js';
import { CommentInput, ExpiryInput } from './fields.js';
import { epochOfDate, yesNo } from './format.js';
import { FormPanel, type FormEvents } from './FormPanel.js';
import { DeleteRowButton, ListPageView, useListPage } from './list-page.js';
import { TokenSecret, type Created } from './TokenSecret.js';

interface TokenRow {
  readonly tokenid: string;
  readonly comment?: string;
  readonly expire?: number;
  readonly privsep?: number;
}

const COLUMNS: readonly Column<TokenRow>[] = [
  { key: 'tokenid', title: 'Token', value: (t) => t.tokenid },
  commentColumn(),
  expireColumn(),
  {
    key: 'privsep',
    title: 'Privilege separation',
    value: (t) => yesNo(t.privsep !== 0),
  },
];

export function AdminTokens({ session }: PageProps): ReactNode {
  const base = `${itemPath('/access/users', session.username)}/token`;
  const page = useListPage<TokenRow, 'add'>(`tokens:${session.username}`, () =>
    api<TokenRow[]>('GET', base),
  );
  const [created, setCreated] = useState<Created | undefined>();

  return (
    <ListPageView
      page={page}
      intro={
        <p className="hint">
          API tokens of {session.username}. A token with privilege separation has only the
          permissions given to the token itself (at most the user&apos;s).
        </p>
      }
      notice={
        created ? (
          <TokenSecret
            created={created}
            onClose={() => {
              setCreated(undefined);
            }}
          />
        ) : null
      }
      add={{
        text: 'Add token',
        form: 'add',
        onOpen: () => {
          setCreated(undefined);
        },
      }}
      form={() => (
        <TokenForm
          base={base}
          onCancel={page.cancel}
          onCreated={(answer) => {
            page.finish();
            setCreated(answer);
          }}
        />
      )}
      caption="API tokens"
      columns={COLUMNS}
      rowKey={(t) => t.tokenid}
      actions={(t) => (
        <DeleteRowButton
          page={page}
          kind="token"
          id={t.tokenid}
          question={`Delete the token ${session.username}!${t.tokenid}? Whatever uses it stops working.`}
          remove={() => api('DELETE', itemPath(base, t.tokenid))}
        />
      )}
      empty="No API tokens."
    />
  );
}

function TokenForm(
  props: Pick<FormEvents, 'onCancel'> & {
    readonly base: string;
    readonly onCreated: (created: Created) => void;
  },
): ReactNode {
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
        const answer = await api<Created>('POST', itemPath(props.base, tokenid.trim()), {
          ...(comment !== '' ? { comment } : {}),
          expire: epochOfDate(expire),
          privsep,
        });
        props.onCreated(answer);
      }}
    >
      <div className="row">
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
