/**
 * One user (`#/admin/users/<userid>`): the account, its groups, API tokens, second factors and
 * effective permissions, each part shown when the server lets the session read it (a 403
 * leaves the part out), with the account's actions the session may take: set the password,
 * unlock second factors, log out everywhere.
 */
import type { ReactNode } from 'react';
import { api, ApiError, itemPath } from '../../api.js';
import { Message } from '../../components/Form.js';
import { Panel } from '../../components/Panel.js';
import { Table, type Column } from '../../components/Table.js';
import { can, type Session } from '../../session.js';
import { formatTime, tfaPath, typeName, type TfaEntry } from '../account/common.js';
import { commentColumn, expireColumn } from './columns.js';
import { yesNo } from './format.js';
import { useLoad, type Loaded } from './load.js';
import { LoadState } from './LoadState.js';
import { loadUsers } from './resources.js';
import { UserAccount } from './UserAccount.js';
import './admin.css';
import './user-detail.css';

/** The route of a user's view. */
export function userRoute(userid: string): string {
  return `/admin/users/${encodeURIComponent(userid)}`;
}

interface TokenRow {
  readonly tokenid: string;
  readonly comment?: string;
  readonly expire?: number;
  readonly privsep?: number;
}

/** `GET /access/users/{userid}`: what the list does not carry, the tokens' details. */
interface UserRead {
  readonly groups?: readonly string[];
  readonly tokens?: Readonly<Record<string, Omit<TokenRow, 'tokenid'>>> | null;
}

interface PermissionRow {
  readonly path: string;
  readonly privileges: string;
}

const TOKEN_COLUMNS: readonly Column<TokenRow>[] = [
  { key: 'tokenid', title: 'Token', value: (t) => t.tokenid },
  commentColumn(),
  expireColumn(),
  { key: 'privsep', title: 'Privilege separation', value: (t) => yesNo(t.privsep !== 0) },
];

const FACTOR_COLUMNS: readonly Column<TfaEntry>[] = [
  { key: 'type', title: 'Type', value: (e) => typeName(e.type) },
  { key: 'description', title: 'Description', value: (e) => e.description ?? '' },
  { key: 'created', title: 'Added', value: (e) => e.created, render: (e) => formatTime(e.created) },
  {
    key: 'enable',
    title: 'Enabled',
    value: (e) => yesNo(!(e.enable === false || e.enable === 0)),
  },
];

const PERMISSION_COLUMNS: readonly Column<PermissionRow>[] = [
  { key: 'path', title: 'Path', value: (r) => r.path },
  { key: 'privileges', title: 'Privileges', value: (r) => r.privileges },
];

/** A part's load: `hidden` when the server refused the session (403) the reading. */
function orHidden<T>(load: () => Promise<T>): () => Promise<T | 'hidden'> {
  return () =>
    load().catch((err: unknown) => {
      if (err instanceof ApiError && err.status === 403) return 'hidden' as const;
      throw err;
    });
}

export function UserDetail(props: {
  readonly session: Session;
  readonly userid: string;
}): ReactNode {
  const { session, userid } = props;
  const key = `user:${userid}`;
  // null: the list, which shows whom the session may see, has no such user.
  const row = useLoad(
    key,
    async () => (await loadUsers()).find((u) => u.userid === userid) ?? null,
  );
  const read = useLoad(
    key,
    orHidden(() => api<UserRead>('GET', itemPath('/access/users', userid))),
  );
  const factors = useLoad(
    key,
    orHidden(() => api<TfaEntry[]>('GET', tfaPath(userid))),
  );
  const self = userid === session.username;
  // Another user's permissions need Sys.Audit on /access; the server has the last word.
  const auditor = self || can(session, 'access', 'Sys.Audit') || can(session, 'dc', 'Sys.Audit');
  const permissions = useLoad(
    key,
    orHidden(async () =>
      auditor
        ? Object.entries(
            await api<Record<string, Record<string, number>>>('GET', '/access/permissions', {
              userid,
            }),
          ).map(([path, privileges]) => ({
            path,
            privileges: Object.keys(privileges).sort().join(', '),
          }))
        : ('hidden' as const),
    ),
  );

  const user = row.data;
  return (
    <div className="admin-page user-detail">
      <p>
        <a href="#/admin/users">← All users</a>
      </p>
      {user === null ? (
        <Message text={`There is no user ${userid}, or you may not see it.`} />
      ) : user === undefined ? (
        <LoadState error={row.error} />
      ) : (
        <UserAccount
          session={session}
          user={user}
          onChange={() => {
            row.reload();
            factors.reload();
          }}
        />
      )}
      <Part
        title="Groups"
        loaded={read}
        render={(data) =>
          (data.groups ?? []).length === 0 ? (
            <p>In no group.</p>
          ) : (
            <ul className="chips" aria-label={`Groups of ${userid}`}>
              {(data.groups ?? []).map((g) => (
                <li key={g}>{g}</li>
              ))}
            </ul>
          )
        }
      >
        <LinkTo show={can(session, 'access', 'Group.Allocate')} route="/admin/groups">
          Manage groups
        </LinkTo>
      </Part>
      <Part
        title="API tokens"
        loaded={read}
        render={(data) => (
          <Table
            caption={`API tokens of ${userid}`}
            columns={TOKEN_COLUMNS}
            rows={Object.entries(data.tokens ?? {}).map(([tokenid, t]) => ({ tokenid, ...t }))}
            rowKey={(t) => t.tokenid}
            empty="No API tokens."
          />
        )}
      >
        <LinkTo show={self} route="/admin/tokens">
          Manage your API tokens
        </LinkTo>
      </Part>
      <Part
        title="Second factors"
        loaded={factors}
        render={(entries) => (
          <Table
            caption={`Second factors of ${userid}`}
            columns={FACTOR_COLUMNS}
            rows={entries}
            rowKey={(e) => `${e.type}:${e.id}`}
            empty="No second factors."
          />
        )}
      >
        <LinkTo show={self} route="/account">
          Manage your second factors
        </LinkTo>
      </Part>
      <Part
        title="Effective permissions"
        loaded={permissions}
        render={(rows) => (
          <Table
            caption={`Effective permissions of ${userid}`}
            columns={PERMISSION_COLUMNS}
            rows={rows}
            rowKey={(r) => r.path}
            empty="No privileges anywhere."
          />
        )}
      >
        <LinkTo show={can(session, 'dc', 'Sys.Audit')} route="/admin/effective">
          Explain a privilege
        </LinkTo>
      </Part>
    </div>
  );
}

/** A part of the view: left out when the server refused it, its error when it failed. */
function Part<T>(props: {
  readonly title: string;
  readonly loaded: Loaded<T | 'hidden'>;
  readonly render: (data: T) => ReactNode;
  /** Links to where more can be done. */
  readonly children?: ReactNode;
}): ReactNode {
  const { data, error } = props.loaded;
  if (data === 'hidden') return null;
  return (
    <Panel title={props.title}>
      {data === undefined ? <LoadState error={error} /> : props.render(data)}
      {props.children}
    </Panel>
  );
}

/** A link to the page where more can be done, when the session may use it. */
function LinkTo(props: {
  readonly show: boolean;
  readonly route: string;
  readonly children: ReactNode;
}): ReactNode {
  if (!props.show) return null;
  return (
    <p>
      <a href={`#${props.route}`}>{props.children}</a>
    </p>
  );
}
