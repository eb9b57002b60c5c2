/**
 * The audit trail of configuration changes on the Diagnostics page: who changed what, from
 * where, with which fields, and whether it was accepted, refused or failed
 * (`GET /access/tessera/changes`, see docs/audit-trail.md). Newest first.
 */
import { useState, type ReactNode } from 'react';
import { api } from '../../api.js';
import { Field, Select } from '../../components/Form.js';
import { CHANGE_ENTITIES } from '../../../../src/model/change-entities.js';
import { Report, ReportFilters, SinceField } from './Report.js';

/** As `ChangeEvent` in src/model/events.ts (which the interface cannot import: it names errors). */
export interface ChangeEvent {
  time: number;
  node: string;
  actor: string;
  token?: string;
  rhost: string;
  entity: string;
  id: string;
  action: string;
  /** Secrets only ever appear as `(set)` or `(changed)`. */
  fields: Record<string, string | number | boolean | null | string[]>;
  outcome: 'success' | 'refused' | 'failed';
  cause?: string;
  reason?: string;
}

const ANY = '';

/** Who asked: the user, the token if one was used, and the client address. */
export function who(e: ChangeEvent): string {
  const actor = e.token !== undefined ? `${e.actor} (token ${e.token})` : e.actor;
  return `${actor} from ${e.rhost}`;
}

/** The fields given, `name=value` each; lists comma-separated, as `tessera changes` prints them. */
export function fieldList(e: ChangeEvent): string {
  return Object.entries(e.fields)
    .map(([name, value]) => `${name}=${Array.isArray(value) ? value.join(',') : String(value)}`)
    .join(' ');
}

export function ChangeTrail(): ReactNode {
  const [user, setUser] = useState('');
  const [entity, setEntity] = useState(ANY);
  const [since, setSince] = useState('24h');
  return (
    <Report
      id="changes"
      title="Changes"
      load={() =>
        api<ChangeEvent[]>('GET', '/access/tessera/changes', {
          ...(user.trim() !== '' ? { userid: user.trim() } : {}),
          ...(entity !== ANY ? { entity } : {}),
          since,
        })
      }
      controls={(run, submit) => (
        <ReportFilters run={run} submit={submit} button="Show changes">
          <Field
            label="User"
            name="userid"
            value={user}
            onChange={setUser}
            errors={submit.errors}
            hint="who acted or was changed"
          />
          <Select
            label="Entity"
            name="entity"
            value={entity}
            onChange={setEntity}
            errors={submit.errors}
            choices={[{ value: ANY, label: 'any' }, ...CHANGE_ENTITIES]}
          />
          <SinceField value={since} onChange={setSince} submit={submit} />
        </ReportFilters>
      )}
      caption="Configuration changes"
      // Two events alike in every field (one millisecond, one node) read as one anyway.
      rowKey={(e) => JSON.stringify(e)}
      sort={{ key: 'time', descending: true }}
      columns={[
        {
          key: 'time',
          title: 'Time',
          value: (e) => e.time,
          render: (e) => new Date(e.time).toLocaleString(),
        },
        { key: 'who', title: 'Who', value: who },
        { key: 'what', title: 'What', value: (e) => `${e.action} ${e.entity} ${e.id}` },
        {
          key: 'fields',
          title: 'Fields',
          value: fieldList,
          render: (e) => <div className="privlist">{fieldList(e)}</div>,
        },
        {
          key: 'outcome',
          title: 'Outcome',
          value: (e) => `${e.outcome} ${e.cause ?? ''} ${e.reason ?? ''}`,
          render: (e) =>
            e.outcome === 'success' ? (
              e.outcome
            ) : (
              <>
                <div>
                  {e.outcome}
                  {e.cause !== undefined ? `: ${e.cause}` : ''}
                </div>
                {e.reason !== undefined ? <div className="hint">{e.reason}</div> : null}
              </>
            ),
        },
      ]}
      empty="No changes in this period."
    />
  );
}
