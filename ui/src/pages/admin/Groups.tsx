/** Groups: the list with members, creating, changing the comment, deleting. */
import { useState, type ReactNode } from 'react';
import type { PageProps } from '../../App.js';
import { api } from '../../api.js';
import { Message, useSubmit } from '../../components/Form.js';
import { Table, type Column } from '../../components/Table.js';
import { can } from '../../session.js';
import { ConfirmButton, Input, LoadState, Panel, useLoad } from './common.js';

interface GroupRow {
  readonly groupid: string;
  readonly comment?: string;
  readonly users?: string;
}

const COLUMNS: readonly Column<GroupRow>[] = [
  { key: 'groupid', title: 'Group', value: (g) => g.groupid },
  { key: 'comment', title: 'Comment', value: (g) => g.comment ?? '' },
  {
    key: 'users',
    title: 'Members',
    value: (g) =>
      (g.users ?? '')
        .split(',')
        .filter((u) => u !== '')
        .join(', '),
  },
];

export function AdminGroups({ session }: PageProps): ReactNode {
  const groups = useLoad('groups', () => api<GroupRow[]>('GET', '/access/groups'));
  const [editing, setEditing] = useState<GroupRow | 'new' | undefined>();
  const [done, setDone] = useState<string | undefined>();
  const action = useSubmit();
  const modify = can(session, 'access', 'Group.Allocate');

  const actions = (g: GroupRow): ReactNode => (
    <>
      <button
        type="button"
        aria-label={`Edit ${g.groupid}`}
        onClick={() => {
          setDone(undefined);
          setEditing(g);
        }}
      >
        Edit
      </button>
      <ConfirmButton
        text="Delete"
        name={`Delete ${g.groupid}`}
        question={`Delete group ${g.groupid}? Its members stay; its ACL entries go.`}
        confirm="Delete group"
        disabled={action.busy}
        onConfirm={() => {
          setDone(undefined);
          if (editing !== 'new' && editing?.groupid === g.groupid) setEditing(undefined);
          void action.run(async () => {
            await api('DELETE', `/access/groups/${encodeURIComponent(g.groupid)}`);
            setDone(`Group ${g.groupid} deleted.`);
            groups.reload();
          });
        }}
      />
    </>
  );

  return (
    <div className="admin-page">
      <Message text={action.message} />
      <Message text={done} kind="info" />
      {modify && editing === undefined ? (
        <div className="buttons">
          <button
            type="button"
            className="primary"
            onClick={() => {
              setDone(undefined);
              setEditing('new');
            }}
          >
            Add group
          </button>
        </div>
      ) : null}
      {editing !== undefined ? (
        <GroupForm
          key={editing === 'new' ? '' : editing.groupid}
          group={editing === 'new' ? undefined : editing}
          onCancel={() => {
            setEditing(undefined);
          }}
          onDone={(text) => {
            setEditing(undefined);
            setDone(text);
            groups.reload();
          }}
        />
      ) : null}
      {groups.data ? (
        <Table
          caption="Groups"
          columns={COLUMNS}
          rows={groups.data}
          rowKey={(g) => g.groupid}
          {...(modify ? { actions } : {})}
          empty="No groups."
        />
      ) : (
        <LoadState error={groups.error} />
      )}
      <p className="hint">Members are added on the Users page (each user&apos;s groups).</p>
    </div>
  );
}

function GroupForm(props: {
  readonly group: GroupRow | undefined;
  readonly onCancel: () => void;
  readonly onDone: (message: string) => void;
}): ReactNode {
  const { group } = props;
  const [groupid, setGroupid] = useState('');
  const [comment, setComment] = useState(group?.comment ?? '');
  const submit = useSubmit();
  return (
    <Panel title={group ? `Edit group ${group.groupid}` : 'Add group'} focus>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit.run(async () => {
            if (group) {
              await api('PUT', `/access/groups/${encodeURIComponent(group.groupid)}`, {
                comment,
              });
              props.onDone(`Group ${group.groupid} saved.`);
            } else {
              await api('POST', '/access/groups', {
                groupid: groupid.trim(),
                ...(comment !== '' ? { comment } : {}),
              });
              props.onDone(`Group ${groupid.trim()} created.`);
            }
          });
        }}
      >
        <Message text={submit.message} />
        <div className="row">
          {group === undefined ? (
            <Input
              label="Group ID"
              name="groupid"
              value={groupid}
              onChange={setGroupid}
              errors={submit.errors}
              required
              hint="Letters, digits, '.', '-' and '_'."
            />
          ) : null}
          <Input
            label="Comment"
            name="comment"
            value={comment}
            onChange={setComment}
            errors={submit.errors}
          />
        </div>
        <div className="buttons">
          <button type="submit" className="primary" disabled={submit.busy}>
            {group ? 'Save' : 'Create group'}
          </button>
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </Panel>
  );
}
