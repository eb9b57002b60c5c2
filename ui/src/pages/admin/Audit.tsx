/**
 * The Audit page: logins and configuration changes in one list, newest first (who, what,
 * when, from where, outcome), filtered by user, kind, outcome and period on the server and by
 * any text in the table; each failed login opens its explanation (cause, words, next step).
 * Sources: `GET /access/tessera/logins` and `GET /access/tessera/changes` (Sys.Audit on
 * /access), each bounded to its newest {@link LIMIT} events.
 */
import { useRef, useState, type ReactNode } from 'react';
import { api } from '../../api.js';
import { Field, Select } from '../../components/Form.js';
import { Panel } from '../../components/Panel.js';
import type { PageProps } from '../page.js';
import { fieldList, type ChangeEvent } from './ChangeTrail.js';
import type { LoginEvent } from './Diagnostics.js';
import { Report, ReportFilters, SinceField } from './Report.js';
import './audit.css';

/** The newest this many of each source: enough to read, bounded for the server and the page. */
const LIMIT = 500;

/** Logins, and requests refused for their ticket or token (`kind` as in src/model/events.ts). */
type AuthEvent = LoginEvent & { readonly kind?: 'login' | 'request' | 'openid' };

type Row =
  | { readonly kind: 'login'; readonly event: AuthEvent }
  | { readonly kind: 'change'; readonly event: ChangeEvent };

type Kind = '' | 'login' | 'change';
type Outcome = '' | 'success' | 'failure';

function time(row: Row): string {
  return new Date(row.event.time).toLocaleString();
}

/** The user who logged in, or who changed something (with the token, if one was used). */
function actor(row: Row): string {
  if (row.kind === 'login') return row.event.user || '(no name)';
  const e = row.event;
  return e.token !== undefined ? `${e.actor} (token ${e.token})` : e.actor;
}

function what(row: Row): string {
  if (row.kind === 'login') {
    const login = row.event.kind === 'openid' ? 'OpenID login' : 'login';
    if (row.event.kind === 'request') return 'refused request';
    return row.event.outcome === 'success' ? login : `failed ${login}`;
  }
  return `${row.event.action} ${row.event.entity} ${row.event.id}`;
}

function outcome(row: Row): string {
  if (row.kind === 'login')
    return row.event.outcome === 'success' ? 'logged in' : (row.event.cause ?? 'failed');
  const e = row.event;
  return e.outcome === 'success'
    ? 'success'
    : `${e.outcome}${e.cause !== undefined ? `: ${e.cause}` : ''}`;
}

function failed(row: Row): boolean {
  return row.event.outcome !== 'success';
}

async function load(filters: {
  user: string;
  kind: Kind;
  outcome: Outcome;
  since: string;
  until: string;
}): Promise<Row[]> {
  const common = {
    ...(filters.user.trim() !== '' ? { userid: filters.user.trim() } : {}),
    since: filters.since,
    ...(filters.until.trim() !== '' ? { until: filters.until.trim() } : {}),
    limit: LIMIT,
  };
  const [logins, changes] = await Promise.all([
    filters.kind === 'change'
      ? []
      : api<AuthEvent[]>('GET', '/access/tessera/logins', {
          ...common,
          ...(filters.outcome !== '' ? { outcome: filters.outcome } : {}),
        }),
    filters.kind === 'login' ? [] : api<ChangeEvent[]>('GET', '/access/tessera/changes', common),
  ]);
  const rows: Row[] = [
    ...logins.map((event) => ({ kind: 'login' as const, event })),
    // Refused and failed changes are this page's failures.
    ...changes
      .filter(
        (e) =>
          filters.outcome === '' || (e.outcome === 'success') === (filters.outcome === 'success'),
      )
      .map((event) => ({ kind: 'change' as const, event })),
  ];
  return rows;
}

/** Why one login failed, and what to do: the explanation the list links to. */
function Explanation(props: {
  readonly event: AuthEvent;
  readonly onClose: () => void;
}): ReactNode {
  const { event } = props;
  const user = event.user || '(no name)';
  return (
    <Panel
      title={
        event.kind === 'request'
          ? `Why a request of ${user} was refused`
          : `Why the login of ${user} failed`
      }
      focus
    >
      <dl className="explanation">
        <dt>When</dt>
        <dd>{new Date(event.time).toLocaleString()}</dd>
        <dt>From</dt>
        <dd>
          {event.rhost} (node {event.node})
        </dd>
        <dt>Cause</dt>
        <dd>
          <code>{event.cause ?? 'unknown'}</code>: {event.words ?? ''}
        </dd>
        {event.reason !== undefined ? (
          <>
            <dt>Detail</dt>
            <dd>{event.reason}</dd>
          </>
        ) : null}
        {event.next !== undefined ? (
          <>
            <dt>Next step</dt>
            <dd>{event.next}</dd>
          </>
        ) : null}
      </dl>
      <p className="hint">The client itself was only told “authentication failure”.</p>
      <button type="button" onClick={props.onClose}>
        Close the explanation
      </button>
    </Panel>
  );
}

export function AdminAudit(_props: PageProps): ReactNode {
  const [user, setUser] = useState('');
  const [kind, setKind] = useState<Kind>('');
  const [result, setResult] = useState<Outcome>('');
  const [since, setSince] = useState('24h');
  const [until, setUntil] = useState('');
  const [explained, setExplained] = useState<AuthEvent>();
  // Closing the explanation puts the focus back on the button that opened it.
  const opener = useRef<HTMLElement | null>(null);
  return (
    <>
      <Report
        id="audit-events"
        title="Logins and changes"
        load={() => load({ user, kind, outcome: result, since, until })}
        controls={(run, submit) => (
          <ReportFilters run={run} submit={submit} button="Show events">
            <Field
              label="User"
              name="userid"
              value={user}
              onChange={setUser}
              errors={submit.errors}
              hint="who logged in, acted or was changed"
            />
            <Select
              label="Kind"
              name="kind"
              value={kind}
              onChange={(v) => {
                setKind(v as Kind);
              }}
              choices={[
                { value: '', label: 'logins and changes' },
                { value: 'login', label: 'logins' },
                { value: 'change', label: 'changes' },
              ]}
            />
            <Select
              label="Outcome"
              name="outcome"
              value={result}
              onChange={(v) => {
                setResult(v as Outcome);
              }}
              errors={submit.errors}
              choices={[
                { value: '', label: 'any' },
                { value: 'success', label: 'succeeded' },
                { value: 'failure', label: 'failed or refused' },
              ]}
            />
            <SinceField value={since} onChange={setSince} submit={submit} />
            <Field
              label="Until"
              name="until"
              value={until}
              onChange={setUntil}
              errors={submit.errors}
              hint="empty: now; 30m, 2h, 7d or a date"
            />
          </ReportFilters>
        )}
        caption={`Events, newest first (at most ${String(LIMIT)} logins and ${String(LIMIT)} changes)`}
        sort={{ key: 'time', descending: true }}
        rowKey={(row) => `${row.kind}-${JSON.stringify(row.event)}`}
        columns={[
          { key: 'time', title: 'When', value: (row) => row.event.time, render: time },
          { key: 'who', title: 'Who', value: actor },
          {
            key: 'what',
            title: 'What',
            value: (row) => `${what(row)} ${row.kind === 'change' ? fieldList(row.event) : ''}`,
            render: (row) =>
              row.kind === 'change' ? (
                <>
                  <div>{what(row)}</div>
                  <div className="hint privlist">{fieldList(row.event)}</div>
                </>
              ) : (
                what(row)
              ),
          },
          {
            key: 'from',
            title: 'From',
            value: (row) => `${row.event.rhost} (${row.event.node})`,
          },
          {
            key: 'outcome',
            title: 'Outcome',
            value: outcome,
            render: (row) => {
              const text = outcome(row);
              if (row.kind === 'login' && failed(row)) {
                const event = row.event;
                return (
                  <>
                    <div>{text}</div>
                    <button
                      type="button"
                      aria-label={`Explain the ${what(row)} of ${event.user || '(no name)'} at ${time(row)}`}
                      onClick={(e) => {
                        opener.current = e.currentTarget;
                        setExplained(event);
                      }}
                    >
                      Explain
                    </button>
                  </>
                );
              }
              return failed(row) ? <strong>{text}</strong> : text;
            },
          },
        ]}
        empty="No logins or changes match."
      />
      {explained !== undefined ? (
        <Explanation
          key={JSON.stringify(explained)}
          event={explained}
          onClose={() => {
            setExplained(undefined);
            opener.current?.focus();
          }}
        />
      ) : null}
    </>
  );
}
