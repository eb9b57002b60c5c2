/**
 * Realms: the list (`GET /access/domains`), adding LDAP, Active Directory and OpenID Connect
 * realms, editing any realm with the options of its type (the bind password is write-only),
 * deleting, and syncing users and groups from a directory (a dry run by default).
 */
import { useState, type ReactNode } from 'react';
import { api, ApiError, itemPath, type Params } from '../../api.js';
import { Checkbox, FieldError, Input, Select, useSubmit } from '../../components/Form.js';
import { Panel } from '../../components/Panel.js';
import type { Column } from '../../components/Table.js';
import type { PageProps } from '../page.js';
import { EditButton, RowButton } from './buttons.js';
import { commentColumn } from './columns.js';
import { yesNo } from './format.js';
import { FormPanel, type FormEvents } from './FormPanel.js';
import { DeleteRowButton, ListPageView, useListPage } from './list-page.js';
import { useLoad } from './load.js';
import { LoadState } from './LoadState.js';
import {
  isRealmType,
  OPTIONS,
  optionsOf,
  TYPE_FORMS,
  type OptionSpec,
  type RealmType,
} from './realm-options.js';
import type { RealmRow } from './resources.js';

type RealmConfig = Readonly<Record<string, string | number>> & { readonly digest?: string };

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

const DOMAINS = '/access/domains';

export function AdminRealms(_props: PageProps): ReactNode {
  const page = useListPage<RealmRow, Doing>('realms', () => api<RealmRow[]>('GET', DOMAINS));

  const actions = (r: RealmRow): ReactNode => (
    <>
      <EditButton
        id={r.realm}
        onClick={() => {
          page.start({ mode: 'edit', realm: r });
        }}
      />
      {r.type === 'ldap' || r.type === 'ad' ? (
        <RowButton
          text="Sync"
          name={`Sync ${r.realm}`}
          onClick={() => {
            page.start({ mode: 'sync', realm: r });
          }}
        />
      ) : null}
      {r.type !== 'pam' && r.type !== 'pve' ? (
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
      add={{ text: 'Add realm', form: { mode: 'create' } }}
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

function boolOf(spec: OptionSpec, raw: string | number | undefined): boolean {
  if (raw === undefined) return spec.default ?? false;
  return raw === 1 || raw === '1';
}

function textOf(raw: string | number | undefined): string {
  return raw === undefined ? '' : String(raw);
}

const CREATABLE: readonly RealmType[] = ['ldap', 'ad', 'openid'];

function RealmForm(
  props: FormEvents & {
    readonly realm: RealmRow | undefined;
    readonly config: RealmConfig | undefined;
  },
): ReactNode {
  const { realm, config } = props;
  const editing = realm !== undefined;
  const [realmid, setRealmid] = useState('');
  const [type, setType] = useState<RealmType>(
    realm !== undefined && isRealmType(realm.type) ? realm.type : 'ldap',
  );
  const [values, setValues] = useState<Readonly<Record<string, string>>>({});
  const [bools, setBools] = useState<Readonly<Record<string, boolean>>>({});
  const submit = useSubmit();
  const form = TYPE_FORMS[type];

  const initialText = (name: string): string =>
    OPTIONS[name]?.kind === 'password' ? '' : textOf(config?.[name]);
  const initialBool = (name: string): boolean => {
    const spec = OPTIONS[name];
    return spec ? boolOf(spec, config?.[name]) : false;
  };
  const text = (name: string): string => values[name] ?? initialText(name);
  const bool = (name: string): boolean => bools[name] ?? initialBool(name);

  const save = async (): Promise<void> => {
    const missing = Object.fromEntries(
      form.required
        .filter((name) => !(editing && form.fixed.includes(name)) && text(name).trim() === '')
        .map((name) => [name, 'this option is required']),
    );
    if (!editing && realmid.trim() === '') missing['realm'] = 'enter a name for the realm';
    if (Object.keys(missing).length > 0)
      throw new ApiError(400, 'Parameter verification failed.', missing);
    const params: Record<string, string | boolean> = {};
    const deletions: string[] = [];
    for (const name of optionsOf(type)) {
      const spec = OPTIONS[name];
      if (!spec) continue;
      if (spec.kind === 'bool') {
        const value = bool(name);
        const before = editing ? initialBool(name) : (spec.default ?? false);
        if (value !== before) params[name] = value;
        continue;
      }
      const value = text(name).trim();
      if (spec.kind === 'password') {
        if (value !== '') params[name] = value;
        continue;
      }
      if (editing && form.fixed.includes(name)) continue;
      if (value === (editing ? initialText(name) : '')) continue;
      if (value === '') deletions.push(name);
      else params[name] = value;
    }
    if (!editing) {
      const id = realmid.trim();
      await api('POST', DOMAINS, { realm: id, type, ...params });
      props.onDone(`Realm ${id} added.`);
      return;
    }
    if (Object.keys(params).length === 0 && deletions.length === 0) {
      props.onDone(`Nothing changed in realm ${realm.realm}.`);
      return;
    }
    const body: Params = {
      ...params,
      ...(deletions.length > 0 ? { delete: deletions.join(',') } : {}),
      ...(config?.digest !== undefined ? { digest: config.digest } : {}),
    };
    await api('PUT', itemPath(DOMAINS, realm.realm), body);
    props.onDone(`Realm ${realm.realm} saved.`);
  };

  const field = (name: string): ReactNode => {
    const spec = OPTIONS[name];
    if (!spec || spec.kind === 'bool') return null;
    const required = form.required.includes(name);
    const label = `${spec.label}${required ? ' (required)' : ''}`;
    const onChange = (value: string): void => {
      setValues((v) => ({ ...v, [name]: value }));
    };
    if (spec.kind === 'select')
      return (
        <Select
          key={name}
          label={label}
          name={name}
          value={text(name)}
          onChange={onChange}
          errors={submit.errors}
          choices={[{ value: '', label: '(default)' }, ...(spec.choices ?? [])]}
          hint={spec.hint}
        />
      );
    const fixed = editing && form.fixed.includes(name);
    return (
      <Input
        key={name}
        label={label}
        name={name}
        type={spec.kind === 'password' ? 'password' : 'text'}
        autoComplete={spec.kind === 'password' ? 'new-password' : 'off'}
        inputMode={spec.kind === 'number' ? 'numeric' : undefined}
        value={text(name)}
        onChange={onChange}
        errors={submit.errors}
        required={required}
        disabled={fixed}
        hint={
          spec.kind === 'password'
            ? editing
              ? 'Write-only: never shown. Empty: keep the stored password.'
              : 'Write-only: stored apart from the configuration, never shown.'
            : fixed
              ? 'Set when the realm was created; it cannot change.'
              : spec.hint
        }
      />
    );
  };

  return (
    <FormPanel
      title={realm ? `Edit realm ${realm.realm} (${form.label})` : 'Add realm'}
      submit={submit}
      submitText={editing ? 'Save' : 'Add realm'}
      onCancel={props.onCancel}
      onSubmit={save}
    >
      {!editing ? (
        <div className="row">
          <Input
            label="Realm"
            name="realm"
            value={realmid}
            onChange={setRealmid}
            errors={submit.errors}
            required
            hint="The part after @ in user names: starts with a letter; letters, digits, '.', '-', '_'."
          />
          <Select
            label="Type"
            name="type"
            value={type}
            onChange={(value) => {
              if (isRealmType(value)) setType(value);
            }}
            errors={submit.errors}
            choices={CREATABLE.map((t) => ({ value: t, label: TYPE_FORMS[t].label }))}
          />
        </div>
      ) : null}
      {form.sections.map(([title, names]) => (
        <fieldset className="checklist" key={title}>
          <legend>{title}</legend>
          <div className="row">{names.map(field)}</div>
          {names
            .filter((name) => OPTIONS[name]?.kind === 'bool')
            .map((name) => (
              <div key={name}>
                <Checkbox
                  label={OPTIONS[name]?.label ?? name}
                  checked={bool(name)}
                  onChange={(checked) => {
                    setBools((b) => ({ ...b, [name]: checked }));
                  }}
                />
                <FieldError error={submit.errors[name]} />
              </div>
            ))}
        </fieldset>
      ))}
    </FormPanel>
  );
}

const VANISHED = [
  { value: 'acl', label: 'Remove ACL entries of vanished users and groups' },
  { value: 'entry', label: 'Remove vanished users and groups' },
  { value: 'properties', label: 'Remove vanished properties' },
] as const;

/** `scope=both,enable-new=1,remove-vanished=acl;entry` → its fields. */
function syncDefaults(value: string | number | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of String(value ?? '').split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

function SyncForm(props: { readonly realm: RealmRow; readonly onClose: () => void }): ReactNode {
  const { realm } = props;
  // The realm's sync defaults fill the form; until they come, Proxmox's own defaults do.
  const config = useLoad(`sync:${realm.realm}`, () =>
    api<RealmConfig>('GET', itemPath(DOMAINS, realm.realm)).catch((): RealmConfig => ({})),
  );
  const defaults = syncDefaults(config.data?.['sync-defaults-options']);
  const [scope, setScope] = useState<string | undefined>();
  const [vanished, setVanished] = useState<readonly string[] | undefined>();
  const [enableNew, setEnableNew] = useState<boolean | undefined>();
  const [dryRun, setDryRun] = useState(true);
  const [log, setLog] = useState<{ text: string; dry: boolean } | undefined>();
  const submit = useSubmit();

  const chosenScope = scope ?? defaults['scope'] ?? 'both';
  const chosenVanished =
    vanished ??
    (defaults['remove-vanished'] ?? '').split(';').filter((v) => v !== '' && v !== 'none');
  const chosenEnableNew = enableNew ?? defaults['enable-new'] !== '0';

  return (
    <FormPanel
      title={`Sync realm ${realm.realm}`}
      submit={submit}
      submitText={dryRun ? 'Dry run' : 'Sync'}
      onCancel={props.onClose}
      cancel="Close"
      onSubmit={async () => {
        setLog(undefined);
        const answer = await api<string>('POST', `${itemPath(DOMAINS, realm.realm)}/sync`, {
          scope: chosenScope,
          'remove-vanished': chosenVanished.length > 0 ? chosenVanished.join(';') : 'none',
          'enable-new': chosenEnableNew,
          'dry-run': dryRun,
        });
        setLog({ text: answer, dry: dryRun });
      }}
      after={
        <>
          {submit.busy ? (
            <p className="hint" role="status">
              Syncing…
            </p>
          ) : null}
          {log !== undefined ? (
            <>
              <h3>{log.dry ? 'Dry run: what a sync would do' : 'Sync log'}</h3>
              <pre className="log" aria-label="Sync log">
                {log.text}
              </pre>
            </>
          ) : null}
        </>
      }
    >
      <div className="row">
        <Select
          label="Scope"
          name="scope"
          value={chosenScope}
          onChange={setScope}
          errors={submit.errors}
          choices={[
            { value: 'users', label: 'Users' },
            { value: 'groups', label: 'Groups' },
            { value: 'both', label: 'Users and groups' },
          ]}
        />
      </div>
      <fieldset className="checklist">
        <legend>Remove vanished</legend>
        {VANISHED.map((v) => (
          <Checkbox
            key={v.value}
            label={v.label}
            checked={chosenVanished.includes(v.value)}
            onChange={(on) => {
              setVanished(
                VANISHED.map((x) => x.value).filter((x) =>
                  x === v.value ? on : chosenVanished.includes(x),
                ),
              );
            }}
          />
        ))}
        <FieldError error={submit.errors['remove-vanished']} />
      </fieldset>
      <Checkbox label="Enable new users" checked={chosenEnableNew} onChange={setEnableNew} />
      <Checkbox
        label="Dry run (show what would change, change nothing)"
        checked={dryRun}
        onChange={setDryRun}
      />
    </FormPanel>
  );
}
