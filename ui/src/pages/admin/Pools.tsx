/**
 * Resource pools: the list with members (Tessera keeps membership only: `vms/<vmid>`,
 * `storage/<id>`), creating, changing the comment, deleting an empty pool.
 */
import { useState, type ReactNode } from 'react';
import type { PageProps } from '../../App.js';
import { api } from '../../api.js';
import { Message, useSubmit } from '../../components/Form.js';
import { Table, type Column } from '../../components/Table.js';
import { ConfirmButton, Input, LoadState, Panel, useLoad } from './common.js';

interface PoolRow {
  readonly poolid: string;
  readonly comment?: string;
  readonly members?: readonly string[];
}

interface PoolDetail {
  readonly members: readonly { readonly id: string }[];
}

const COLUMNS: readonly Column<PoolRow>[] = [
  { key: 'poolid', title: 'Pool', value: (p) => p.poolid },
  { key: 'comment', title: 'Comment', value: (p) => p.comment ?? '' },
  { key: 'members', title: 'Members', value: (p) => (p.members ?? []).join(', ') },
];

async function loadPools(): Promise<PoolRow[]> {
  const pools = await api<PoolRow[]>('GET', '/pools');
  return Promise.all(
    pools.map(async (p) => {
      try {
        const detail = await api<PoolDetail>('GET', `/pools/${encodeURIComponent(p.poolid)}`);
        return { ...p, members: detail.members.map((m) => m.id) };
      } catch {
        return p;
      }
    }),
  );
}

export function AdminPools(_props: PageProps): ReactNode {
  const pools = useLoad('pools', loadPools);
  const [editing, setEditing] = useState<PoolRow | 'new' | undefined>();
  const [done, setDone] = useState<string | undefined>();
  const action = useSubmit();

  const actions = (p: PoolRow): ReactNode => (
    <>
      <button
        type="button"
        aria-label={`Edit ${p.poolid}`}
        onClick={() => {
          setDone(undefined);
          setEditing(p);
        }}
      >
        Edit
      </button>
      <ConfirmButton
        text="Delete"
        name={`Delete ${p.poolid}`}
        question={`Delete pool ${p.poolid}? Only an empty pool can be deleted.`}
        confirm="Delete pool"
        disabled={action.busy}
        onConfirm={() => {
          setDone(undefined);
          if (editing !== 'new' && editing?.poolid === p.poolid) setEditing(undefined);
          void action.run(async () => {
            await api('DELETE', `/pools/${encodeURIComponent(p.poolid)}`);
            setDone(`Pool ${p.poolid} deleted.`);
            pools.reload();
          });
        }}
      />
    </>
  );

  return (
    <div className="admin-page">
      <Message text={action.message} />
      <Message text={done} kind="info" />
      {editing === undefined ? (
        <div className="buttons">
          <button
            type="button"
            className="primary"
            onClick={() => {
              setDone(undefined);
              setEditing('new');
            }}
          >
            Add pool
          </button>
        </div>
      ) : (
        <PoolForm
          key={editing === 'new' ? '' : editing.poolid}
          pool={editing === 'new' ? undefined : editing}
          onCancel={() => {
            setEditing(undefined);
          }}
          onDone={(text) => {
            setEditing(undefined);
            setDone(text);
            pools.reload();
          }}
        />
      )}
      {pools.data ? (
        <Table
          caption="Pools"
          columns={COLUMNS}
          rows={pools.data}
          rowKey={(p) => p.poolid}
          actions={actions}
          empty="No pools."
        />
      ) : (
        <LoadState error={pools.error} />
      )}
    </div>
  );
}

function PoolForm(props: {
  readonly pool: PoolRow | undefined;
  readonly onCancel: () => void;
  readonly onDone: (message: string) => void;
}): ReactNode {
  const { pool } = props;
  const [poolid, setPoolid] = useState('');
  const [comment, setComment] = useState(pool?.comment ?? '');
  const submit = useSubmit();
  return (
    <Panel title={pool ? `Edit pool ${pool.poolid}` : 'Add pool'} focus>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit.run(async () => {
            if (pool) {
              await api('PUT', `/pools/${encodeURIComponent(pool.poolid)}`, { comment });
              props.onDone(`Pool ${pool.poolid} saved.`);
            } else {
              const id = poolid.trim();
              await api('POST', '/pools', { poolid: id, ...(comment !== '' ? { comment } : {}) });
              props.onDone(`Pool ${id} created.`);
            }
          });
        }}
      >
        <Message text={submit.message} />
        <div className="row">
          {pool === undefined ? (
            <Input
              label="Pool ID"
              name="poolid"
              value={poolid}
              onChange={setPoolid}
              errors={submit.errors}
              required
              hint="Letters, digits, '.', '-' and '_'; nested pools as parent/child."
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
            {pool ? 'Save' : 'Create pool'}
          </button>
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </Panel>
  );
}
