/** The form of a realm's options, by its type (realm-options.ts); the bind password is write-only. */
import { useState, type ReactNode } from 'react';
import { api, ApiError, itemPath, type Params } from '../../api.js';
import { Checkbox, FieldError, Input, Select, useSubmit } from '../../components/Form.js';
import { FormPanel, type FormEvents } from './FormPanel.js';
import { RealmConnectionTest } from './RealmConnectionTest.js';
import { RealmTfaFields } from './RealmTfa.js';
import { formatTfa, parseTfa, sameChoice, tfaErrors, type TfaChoice } from './realm-tfa.js';
import {
  isRealmType,
  OPTIONS,
  optionsOf,
  TYPE_FORMS,
  type OptionSpec,
  type RealmType,
} from './realm-options.js';
import { DOMAINS, type RealmConfig, type RealmRow } from './resources.js';

function boolOf(spec: OptionSpec, raw: string | number | undefined): boolean {
  if (raw === undefined) return spec.default ?? false;
  return raw === 1 || raw === '1';
}

function textOf(raw: string | number | undefined): string {
  return raw === undefined ? '' : String(raw);
}

const CREATABLE: readonly RealmType[] = ['ldap', 'ad', 'openid'];

/** Options that change nothing about how a realm connects: a connection test leaves them out. */
const NOT_CONNECTION: readonly string[] = ['tfa', 'comment', 'default'];

/**
 * Adding a realm (LDAP, Active Directory, OpenID Connect) or editing one with the options of
 * its type; only what changed is sent, an emptied option as `delete`.
 */
export function RealmForm(
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
  const storedTfa = textOf(config?.['tfa']);
  const [parsedTfa] = useState(() => parseTfa(storedTfa));
  const [tfa, setTfa] = useState<TfaChoice>(parsedTfa.choice);

  const initialText = (name: string): string =>
    OPTIONS[name]?.kind === 'password' ? '' : textOf(config?.[name]);
  const initialBool = (name: string): boolean => {
    const spec = OPTIONS[name];
    return spec ? boolOf(spec, config?.[name]) : false;
  };
  const text = (name: string): string => values[name] ?? initialText(name);
  const bool = (name: string): boolean => bools[name] ?? initialBool(name);

  const requireOptions = (): void => {
    const missing = Object.fromEntries(
      form.required
        .filter((name) => !(editing && form.fixed.includes(name)) && text(name).trim() === '')
        .map((name) => [name, 'this option is required']),
    );
    if (Object.keys(missing).length > 0)
      throw new ApiError(400, 'Parameter verification failed.', missing);
  };

  /** What the form changes: options to set (all that are filled in, when adding) and to delete. */
  const changes = (): { params: Record<string, string | boolean>; deletions: string[] } => {
    const params: Record<string, string | boolean> = {};
    const deletions: string[] = [];
    for (const name of optionsOf(type)) {
      const spec = OPTIONS[name];
      if (!spec) continue;
      if (spec.kind === 'tfa') {
        // Untouched, the stored text stays as it is, in whatever order it was written.
        if (editing && sameChoice(tfa, parsedTfa.choice)) continue;
        const value = formatTfa(tfa, parsedTfa.kept?.value);
        if (value === (editing ? storedTfa : '')) continue;
        if (value === '') deletions.push(name);
        else params[name] = value;
        continue;
      }
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
    return { params, deletions };
  };

  const save = async (): Promise<void> => {
    const errors = { ...tfaErrors(tfa) };
    if (!editing && realmid.trim() === '') errors['realm'] = 'enter a name for the realm';
    if (Object.keys(errors).length > 0)
      throw new ApiError(400, 'Parameter verification failed.', errors);
    requireOptions();
    const { params, deletions } = changes();
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

  /** The settings a connection test tries: a stored realm's changes, or all of a new one's. */
  const testParams = (): Params => {
    requireOptions();
    const { params, deletions } = changes();
    // Settings that do not touch the connection stay out: they would only widen what the
    // test must be allowed (see docs/realms.md).
    const connection = Object.fromEntries(
      Object.entries(params).filter(([name]) => !NOT_CONNECTION.includes(name)),
    );
    const kept = deletions.filter((name) => !NOT_CONNECTION.includes(name));
    return {
      ...(editing ? { realm: realm.realm } : { type }),
      ...connection,
      ...(kept.length > 0 ? { delete: kept.join(',') } : {}),
    };
  };

  const field = (name: string): ReactNode => {
    const spec = OPTIONS[name];
    if (spec?.kind === 'tfa')
      return (
        <RealmTfaFields
          key={name}
          choice={tfa}
          onChange={setTfa}
          kept={parsedTfa.kept}
          errors={submit.errors}
        />
      );
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
      after={
        type === 'ldap' || type === 'ad' || type === 'openid' ? (
          <RealmConnectionTest type={type} params={testParams} />
        ) : undefined
      }
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
          <div className="row">
            {names.filter((name) => OPTIONS[name]?.kind !== 'tfa').map(field)}
          </div>
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
          {names.filter((name) => OPTIONS[name]?.kind === 'tfa').map(field)}
        </fieldset>
      ))}
    </FormPanel>
  );
}
