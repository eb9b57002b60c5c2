/**
 * Effective permissions: what a user or API token may do (`GET /access/permissions`), on one
 * path or everywhere, and why it has or lacks one privilege there (Tessera's
 * `GET /access/tessera/explain`, as `tessera acl explain` prints it).
 */
import { useState, type ReactNode } from 'react';
import { PRIVILEGES } from '../../../../src/model/privileges.js';
import { api, fieldError } from '../../api.js';
import { Input, Message, Select, useSubmit } from '../../components/Form.js';
import { Panel } from '../../components/Panel.js';
import { Table, type Column } from '../../components/Table.js';
import type { PageProps } from '../page.js';
import { yesNo } from './format.js';
import { useLoad } from './load.js';
import { loadUsers, tokenIdsOf, type UserRow } from './resources.js';
import './admin.css';

interface PermissionRow {
  readonly path: string;
  readonly privilege: string;
  readonly propagate: boolean;
}

interface Explanation {
  readonly granted: boolean;
  readonly verdict: string;
  readonly summary: string;
  readonly text: string;
  readonly authid: string;
  readonly path: string;
  readonly privilege: string;
}

const COLUMNS: readonly Column<PermissionRow>[] = [
  { key: 'path', title: 'Path', value: (r) => r.path },
  { key: 'privilege', title: 'Privilege', value: (r) => r.privilege },
  { key: 'propagate', title: 'Propagates', value: (r) => yesNo(r.propagate) },
];

async function loadAuthids(): Promise<string[]> {
  const users = await loadUsers().catch(() => [] as UserRow[]);
  return users.flatMap((u) => [u.userid, ...tokenIdsOf(u)]);
}

export function AdminPermissions({ session }: PageProps): ReactNode {
  const authids = useLoad('authids', loadAuthids);
  const [authid, setAuthid] = useState(session.username);
  const [path, setPath] = useState('/');
  const [privilege, setPrivilege] = useState<string>('VM.Audit');
  const [rows, setRows] = useState<{ authid: string; rows: PermissionRow[] } | undefined>();
  const [explained, setExplained] = useState<Explanation | undefined>();
  const submit = useSubmit();

  const who = (): string => {
    const id = authid.trim();
    if (id === '') throw fieldError('userid', 'enter a user or API token id');
    return id;
  };

  const show = (): void => {
    void submit.run(async () => {
      const id = who();
      const answer = await api<Record<string, Record<string, number>>>(
        'GET',
        '/access/permissions',
        { userid: id, ...(path.trim() !== '' ? { path: path.trim() } : {}) },
      );
      setRows({
        authid: id,
        rows: Object.entries(answer).flatMap(([p, privileges]) =>
          Object.entries(privileges).map(([name, propagate]) => ({
            path: p,
            privilege: name,
            propagate: propagate === 1,
          })),
        ),
      });
    });
  };

  const explain = (): void => {
    void submit.run(async () => {
      const id = who();
      const answer = await api<Explanation>('GET', '/access/tessera/explain', {
        authid: id,
        path: path.trim() === '' ? '/' : path.trim(),
        privilege,
      });
      setExplained(answer);
    });
  };

  // The explain resource names the id `authid`; show its complaint at the same field.
  const errors = {
    ...submit.errors,
    ...(submit.errors['authid'] !== undefined ? { userid: submit.errors['authid'] } : {}),
  };

  return (
    <div className="admin-page">
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          show();
        }}
      >
        <section className="panel" aria-label="Whose permissions, where">
          <Message text={submit.message} />
          <div className="row">
            <Input
              label="User or API token ID"
              name="userid"
              value={authid}
              onChange={setAuthid}
              errors={errors}
              suggestions={authids.data ?? []}
              required
              hint="user@realm, or user@realm!token"
            />
            <Input
              label="Path"
              name="path"
              value={path}
              onChange={setPath}
              errors={errors}
              suggestions={['/', '/access', '/nodes', '/pool', '/sdn', '/storage', '/vms']}
              hint="For example /vms/100. Empty: every path with permissions."
            />
          </div>
          <div className="buttons">
            <button type="submit" className="primary" disabled={submit.busy}>
              Show permissions
            </button>
          </div>
          <div className="row">
            <Select
              label="Privilege"
              name="privilege"
              value={privilege}
              onChange={setPrivilege}
              errors={errors}
              choices={PRIVILEGES}
            />
          </div>
          <div className="buttons">
            <button type="button" disabled={submit.busy} onClick={explain}>
              Explain
            </button>
          </div>
        </section>
      </form>
      {explained ? (
        <Panel
          title={`Why ${explained.authid} ${explained.granted ? 'has' : 'lacks'} ${explained.privilege} on ${explained.path}`}
        >
          <p className={`verdict ${explained.granted ? 'granted' : 'denied'}`} role="status">
            {explained.granted ? 'Granted' : 'Denied'}
            {explained.verdict !== 'granted' ? ` (${explained.verdict.replace(/_/g, ' ')})` : ''}
          </p>
          <p>{explained.summary}</p>
          <pre className="log" aria-label="Explanation">
            {explained.text}
          </pre>
        </Panel>
      ) : null}
      {rows ? (
        <Table
          caption={`Effective permissions of ${rows.authid}`}
          columns={COLUMNS}
          rows={rows.rows}
          rowKey={(r) => `${r.path}|${r.privilege}`}
          empty="No privileges here."
        />
      ) : null}
    </div>
  );
}
