/**
 * `POST /access/domains/{realm}/sync` from the page: the options, then the task it starts,
 * with its log as it runs and its end; below, the realm's scheduled sync jobs.
 */
import { useState, type ReactNode } from 'react';
import { api, itemPath } from '../../api.js';
import { Checkbox, FieldError, Select, useSubmit } from '../../components/Form.js';
import { FormPanel } from './FormPanel.js';
import { RealmSyncJobs } from './RealmSyncJobs.js';
import { TaskLog } from './TaskLog.js';
import { useLoad } from './load.js';
import { DOMAINS, type RealmConfig, type RealmRow } from './resources.js';

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

/** Syncing users and groups from a directory realm, a dry run by default, with its log. */
export function SyncForm(props: {
  readonly realm: RealmRow;
  readonly onClose: () => void;
}): ReactNode {
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
  const [task, setTask] = useState<{ upid: string; dry: boolean } | undefined>();
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
        setTask(undefined);
        const upid = await api<string>('POST', `${itemPath(DOMAINS, realm.realm)}/sync`, {
          scope: chosenScope,
          'remove-vanished': chosenVanished.length > 0 ? chosenVanished.join(';') : 'none',
          'enable-new': chosenEnableNew,
          'dry-run': dryRun,
        });
        setTask({ upid, dry: dryRun });
      }}
      after={
        <>
          {submit.busy ? (
            <p className="hint" role="status">
              Starting…
            </p>
          ) : null}
          {task !== undefined ? (
            <>
              <h3>{task.dry ? 'Dry run: what a sync would do' : 'Sync log'}</h3>
              <TaskLog key={task.upid} upid={task.upid} label="Sync log" />
            </>
          ) : null}
          <RealmSyncJobs realm={realm.realm} defaults={{ scope: chosenScope }} />
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
