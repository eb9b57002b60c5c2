/**
 * The user's second factors (`GET /access/tfa/{userid}`), each with a Delete button that
 * asks for the current password in a modal dialog before `DELETE /access/tfa/{userid}/{id}`.
 */
import { useState, type ReactNode } from 'react';
import { api, itemPath } from '../../api.js';
import { Message } from '../../components/Form.js';
import { Panel } from '../../components/Panel.js';
import { Table, type Column } from '../../components/Table.js';
import type { Session } from '../../session.js';
import { formatTime, tfaPath, typeName, type TfaEntry } from './common.js';
import { PasswordDialog } from './PasswordDialog.js';

const COLUMNS: readonly Column<TfaEntry>[] = [
  { key: 'type', title: 'Type', value: (e) => typeName(e.type) },
  { key: 'description', title: 'Description', value: (e) => e.description ?? '' },
  {
    key: 'created',
    title: 'Added',
    value: (e) => e.created,
    render: (e) => formatTime(e.created),
  },
  {
    key: 'enable',
    title: 'State',
    value: (e) => (e.enable === false || e.enable === 0 ? 'disabled' : 'enabled'),
  },
];

function entryName(entry: TfaEntry): string {
  return entry.description !== undefined && entry.description !== ''
    ? `${typeName(entry.type)} “${entry.description}”`
    : typeName(entry.type);
}

export function Factors(props: {
  readonly session: Session;
  readonly entries: readonly TfaEntry[] | undefined;
  readonly error: string | undefined;
  readonly onChange: () => void;
}): ReactNode {
  const [deleting, setDeleting] = useState<TfaEntry>();
  const [done, setDone] = useState<string>();
  return (
    <Panel title="Second factors">
      <Message text={props.error} />
      <Message text={done} kind="info" />
      {props.entries === undefined && props.error === undefined ? <p>Loading…</p> : null}
      {props.entries !== undefined ? (
        <Table
          caption="Second factors"
          columns={COLUMNS}
          rows={props.entries}
          rowKey={(e) => e.id}
          empty="No second factors yet: the password alone logs you in."
          actions={(entry) => (
            <button
              type="button"
              className="danger"
              aria-label={`Delete ${entryName(entry)}`}
              onClick={() => {
                setDone(undefined);
                setDeleting(entry);
              }}
            >
              Delete
            </button>
          )}
        />
      ) : null}
      {deleting ? (
        <PasswordDialog
          session={props.session}
          question={`Delete ${entryName(deleting)}?`}
          detail={
            deleting.type === 'recovery'
              ? 'All remaining recovery keys stop working.'
              : 'It cannot be used to log in any more.'
          }
          confirm="Delete"
          danger
          change={(current) =>
            api('DELETE', itemPath(tfaPath(props.session.username), deleting.id), {
              password: current,
            })
          }
          onClose={() => {
            setDeleting(undefined);
          }}
          onDone={() => {
            setDone(`${entryName(deleting)} deleted.`);
            setDeleting(undefined);
            props.onChange();
          }}
        />
      ) : null}
    </Panel>
  );
}
