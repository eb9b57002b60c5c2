/**
 * Realms: the list (`GET /access/domains`), adding LDAP, Active Directory and OpenID Connect
 * realms, editing any realm with the options of its type (the bind password is write-only),
 * deleting, and syncing users and groups from a directory (a dry run by default).
 */
import type { ReactNode } from 'react';
import { api, itemPath } from '../../api.js';
import { Panel } from '../../components/Panel.js';
import type { Column } from '../../components/Table.js';
import type { PageProps } from '../page.js';
import { EditButton, RowButton } from './buttons.js';
import { commentColumn } from './columns.js';
import { yesNo } from './format.js';
import type { FormEvents } from './FormPanel.js';
import { DeleteRowButton, ListPageView, useListPage } from './list-page.js';
import { useLoad } from './load.js';
import { LoadState } from './LoadState.js';
import { isRealmType, TYPE_FORMS } from './realm-options.js';
import { RealmForm } from './RealmForm.js';
import { SyncForm } from './RealmSync.js';
import { DOMAINS, type RealmConfig, type RealmRow } from './resources.js';

const COLUMNS: readonly Column<RealmRow>[] = [
  { key: 'realm', title: 'Realm', value: (r) => r.realm },
  {
    key: 'type',
    title: 'Type',
    value: (r) => (isRealmType(r.type) ? TYPE_FORMS[r.type].label : r.type),
  },
  commentColumn(),
  { key: 'default', title: 'Default', value: (r) => yesNo(r.default === 1) },
  { key: 'tfa', title: 'TFA', value: (r) => r.tfa ?? '' },
];

type Doing =
  | { readonly mode: 'create' }
  | { readonly mode: 'edit'; readonly realm: RealmRow }
  | { readonly mode: 'sync'; readonly realm: RealmRow };

const REALM_PATH = '/access/realm';

export function AdminRealms({ session }: PageProps): ReactNode {
  // Proxmox: changing realms takes Realm.Allocate on /access/realm; syncing one,
  // Realm.AllocateUser on the realm (and User.Modify on the groups it writes). A login's
  // `cap` never carries Realm.* (Proxmox's compute_api_permission): the caller's own
  // privileges on /access/realm say it. Until they are known, nothing is offered.
  const mine = useLoad(`realm-privileges:${session.username}`, () =>
    api<Record<string, Record<string, number>>>('GET', '/access/permissions', {
      path: REALM_PATH,
    }),
  );
  const held = (privilege: string): boolean =>
    session.username === 'root@pam' || mine.data?.[REALM_PATH]?.[privilege] === 1;
  const allocate = held('Realm.Allocate');
  const sync = held('Realm.AllocateUser');
  const page = useListPage<RealmRow, Doing>('realms', () => api<RealmRow[]>('GET', DOMAINS));

  const actions = (r: RealmRow): ReactNode => (
    <>
      {allocate ? (
        <EditButton
          id={r.realm}
          onClick={() => {
            page.start({ mode: 'edit', realm: r });
          }}
        />
      ) : null}
      {sync && (r.type === 'ldap' || r.type === 'ad') ? (
        <RowButton
          text="Sync"
          name={`Sync ${r.realm}`}
          onClick={() => {
            page.start({ mode: 'sync', realm: r });
          }}
        />
      ) : null}
      {allocate && r.type !== 'pam' && r.type !== 'pve' ? (
        <DeleteRowButton
          page={page}
          kind="realm"
          id={r.realm}
          question={`Delete realm ${r.realm}? Its users stay but can no longer log in.`}
          shows={(open) => open.mode !== 'create' && open.realm.realm === r.realm}
          remove={async () => {
            await api('DELETE', itemPath(DOMAINS, r.realm));
            page.cancel(); // a form open for another realm closes too
          }}
        />
      ) : null}
    </>
  );

  return (
    <ListPageView
      page={page}
      add={allocate ? { text: 'Add realm', form: { mode: 'create' } } : undefined}
      form={(doing) =>
        doing.mode === 'create' ? (
          <RealmForm
            realm={undefined}
            config={undefined}
            onCancel={page.cancel}
            onDone={page.finish}
          />
        ) : doing.mode === 'edit' ? (
          <EditRealm
            key={doing.realm.realm}
            realm={doing.realm}
            onCancel={page.cancel}
            onDone={page.finish}
          />
        ) : (
          <SyncForm key={doing.realm.realm} realm={doing.realm} onClose={page.cancel} />
        )
      }
      caption="Realms"
      columns={COLUMNS}
      rowKey={(r) => r.realm}
      actions={actions}
      empty="No realms."
    />
  );
}

/** Loads a realm's configuration, then shows its form. */
function EditRealm(props: FormEvents & { readonly realm: RealmRow }): ReactNode {
  const config = useLoad(props.realm.realm, () =>
    api<RealmConfig>('GET', itemPath(DOMAINS, props.realm.realm)),
  );
  if (!config.data)
    return (
      <Panel title={`Edit realm ${props.realm.realm}`}>
        <LoadState error={config.error} />
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </Panel>
    );
  return (
    <RealmForm
      realm={props.realm}
      config={config.data}
      onCancel={props.onCancel}
      onDone={props.onDone}
    />
  );
}
