/**
 * API tokens: every token the caller may see (`GET /access/users?full=1` lists them under
 * the users the caller may see, as Proxmox's TokenView reads them), filterable by user, with
 * expiry and privilege separation; creating one, regenerating a secret (shown this once) and
 * revoking, each where the session may: the own user's tokens, or with User.Modify (the
 * server still refuses users outside the caller's groups, and users holding more than the
 * caller). `Authorization: PVEAPIToken=<user>!<name>=<secret>` uses one.
 */
import { useRef, useState, type ReactNode } from 'react';
import { api, itemPath } from '../../api.js';
import type { Column } from '../../components/Table.js';
import { can, type Session } from '../../session.js';
import type { PageProps } from '../page.js';
import { ConfirmButton } from './buttons.js';
import { commentColumn, expireColumn } from './columns.js';
import { yesNo } from './format.js';
import { ListPageView, useListPage } from './list-page.js';
import { loadUsers } from './resources.js';
import { TokenForm, tokensPath } from './TokenForm.js';
import { TokenSecret, type Created } from './TokenSecret.js';
import { focusFilter, ofUser, ownersOf, UserFilter } from './user-filter.js';

interface TokenRow {
  readonly userid: string;
  readonly tokenid: string;
  /** `bob@pve!monitoring`, as the audit and the Authorization header name it. */
  readonly full: string;
  readonly comment?: string;
  readonly expire?: number;
  readonly privsep?: number;
}

interface Listing {
  readonly users: readonly string[];
  readonly tokens: readonly TokenRow[];
}

async function loadTokens(): Promise<Listing> {
  const users = await loadUsers();
  return {
    users: users.map((u) => u.userid),
    tokens: users.flatMap((u) =>
      (u.tokens ?? []).map((t: Omit<TokenRow, 'userid' | 'full'>) => ({
        ...t,
        userid: u.userid,
        full: `${u.userid}!${t.tokenid}`,
      })),
    ),
  };
}

const COLUMNS: readonly Column<TokenRow>[] = [
  { key: 'full', title: 'Token', value: (t) => t.full },
  { key: 'userid', title: 'User', value: (t) => t.userid },
  expireColumn(),
  {
    key: 'privsep',
    title: 'Privilege separation',
    value: (t) => yesNo(t.privsep !== 0),
  },
  commentColumn(),
];

/** Proxmox's `hasTokenCRUDPermissions`: the own tokens, or User.Modify somewhere. */
function mayManage(session: Session, userid: string): boolean {
  return userid === session.username || can(session, 'access', 'User.Modify');
}

export function AdminTokens({ session }: PageProps): ReactNode {
  const [listing, setListing] = useState<Listing>({ users: [], tokens: [] });
  const page = useListPage<TokenRow, 'add'>('tokens', async () => {
    const next = await loadTokens();
    setListing(next);
    return next.tokens;
  });
  const [created, setCreated] = useState<{ token: Created; done: 'created' | 'regenerated' }>();
  const [owner, setOwner] = useState('');
  const filterBox = useRef<HTMLDivElement>(null);
  const others = can(session, 'access', 'User.Modify');
  const formUsers = [
    session.username,
    ...(others ? listing.users.filter((u) => u !== session.username) : []),
  ];
  const tokens = page.list.data;

  const actions = (t: TokenRow): ReactNode =>
    mayManage(session, t.userid) ? (
      <>
        <ConfirmButton
          text="Regenerate"
          name={`Regenerate ${t.full}`}
          question={`Give ${t.full} a new secret? Whatever uses the current secret stops working.`}
          confirm="Regenerate secret"
          disabled={page.busy}
          onConfirm={() => {
            setCreated(undefined);
            page.act(`Token ${t.full} has a new secret.`, async () => {
              const answer = await api<Created>('PUT', itemPath(tokensPath(t.userid), t.tokenid), {
                regenerate: true,
              });
              setCreated({ token: answer, done: 'regenerated' });
            });
          }}
        />
        <ConfirmButton
          text="Revoke"
          name={`Revoke ${t.full}`}
          question={`Revoke the token ${t.full}? It is deleted, and whatever uses it stops working.`}
          confirm="Revoke token"
          disabled={page.busy}
          onConfirm={() => {
            setCreated(undefined);
            page.act(`Token ${t.full} revoked.`, async () => {
              await api('DELETE', itemPath(tokensPath(t.userid), t.tokenid));
              // Its row, with the button that had the focus, goes away.
              focusFilter(filterBox);
            });
          }}
        />
      </>
    ) : null;

  return (
    <ListPageView
      page={{ ...page, list: { ...page.list, data: tokens ? ofUser(tokens, owner) : undefined } }}
      intro={
        <>
          <p className="hint">
            {others || can(session, 'dc', 'Sys.Audit')
              ? 'API tokens of the users you may see. '
              : `API tokens of ${session.username}. `}
            A token with privilege separation has only the permissions given to the token itself (at
            most the user&apos;s); an expired one is refused.
          </p>
          <UserFilter
            users={ownersOf(tokens ?? [])}
            value={owner}
            onChange={setOwner}
            boxRef={filterBox}
          />
        </>
      }
      notice={
        created ? (
          <TokenSecret
            created={created.token}
            done={created.done}
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
          users={formUsers}
          onCancel={page.cancel}
          onCreated={(answer) => {
            page.finish();
            setCreated({ token: answer, done: 'created' });
          }}
        />
      )}
      caption="API tokens"
      columns={COLUMNS}
      rowKey={(t) => t.full}
      actions={actions}
      empty={owner === '' ? 'No API tokens.' : `No API tokens of ${owner}.`}
    />
  );
}
