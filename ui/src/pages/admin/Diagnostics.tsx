/**
 * Diagnostics for auditors: why a user's logins failed (cause, words, next step), the trail of
 * configuration changes, the `doctor` checks with their evidence and fix, and the hardening
 * audit's findings.
 */
import { useState, type ReactNode } from 'react';
import { api } from '../../api.js';
import { Field, type Submit } from '../../components/Form.js';
import type { PageProps } from '../page.js';
import { ChangeTrail } from './ChangeTrail.js';
import { Report, ReportFilters, SinceField } from './Report.js';

export interface LoginEvent {
  time: number;
  node: string;
  outcome: 'success' | 'failure';
  cause?: string;
  user: string;
  rhost: string;
  reason?: string;
  words?: string;
  next?: string;
}

interface Check {
  id: string;
  status: 'ok' | 'warn' | 'fail';
  title: string;
  evidence: string[];
  fix: string | null;
}

interface Finding {
  id: string;
  severity: string;
  title: string;
  detail: string;
  objects: string[];
  fix: string;
}

/** A button that runs the report, `text` while it is idle and `busyText` while it runs. */
function button(text: string, busyText = text): (run: () => void, submit: Submit) => ReactNode {
  return (run, submit) => (
    <button type="button" className="primary" disabled={submit.busy} onClick={run}>
      {submit.busy ? busyText : text}
    </button>
  );
}

function Logins(): ReactNode {
  const [user, setUser] = useState('');
  const [since, setSince] = useState('24h');
  return (
    <Report
      id="logins"
      title="Explain logins"
      load={() =>
        api<LoginEvent[]>('GET', '/access/tessera/logins', {
          ...(user.trim() !== '' ? { userid: user.trim() } : {}),
          since,
        })
      }
      controls={(run, submit) => (
        <ReportFilters run={run} submit={submit} button="Explain">
          <Field
            label="User"
            name="userid"
            value={user}
            onChange={setUser}
            errors={submit.errors}
            hint="user@realm, or a name"
          />
          <SinceField value={since} onChange={setSince} submit={submit} />
        </ReportFilters>
      )}
      caption="Authentication attempts"
      sort={{ key: 'time', descending: true }}
      rowKey={(e) => `${String(e.time)}-${e.node}-${e.user}-${e.cause ?? ''}`}
      columns={[
        {
          key: 'time',
          title: 'Time',
          value: (e) => e.time,
          render: (e) => new Date(e.time).toLocaleString(),
        },
        { key: 'user', title: 'User', value: (e) => e.user },
        {
          key: 'outcome',
          title: 'Outcome',
          value: (e) => (e.outcome === 'success' ? 'logged in' : (e.cause ?? 'failed')),
        },
        {
          key: 'why',
          title: 'Why, and what to do',
          value: (e) => `${e.words ?? ''} ${e.reason ?? ''}`,
          render: (e) =>
            e.outcome === 'success' ? (
              (e.reason ?? '')
            ) : (
              <>
                <div>{e.words}</div>
                {e.reason !== undefined ? <div className="hint">{e.reason}</div> : null}
                {e.next !== undefined ? <div>Next: {e.next}</div> : null}
              </>
            ),
        },
        { key: 'from', title: 'From', value: (e) => `${e.rhost} (${e.node})` },
      ]}
      empty="No attempts in this period."
    />
  );
}

function Doctor(): ReactNode {
  return (
    <Report
      id="doctor"
      title="Doctor"
      load={async () => (await api<{ checks: Check[] }>('GET', '/access/tessera/doctor')).checks}
      controls={button('Run checks', 'Running checks…')}
      caption="Checks"
      rowKey={(c) => c.id}
      columns={[
        {
          key: 'status',
          title: 'Status',
          value: (c) => ({ fail: 0, warn: 1, ok: 2 })[c.status],
          render: (c) => c.status.toUpperCase(),
        },
        { key: 'title', title: 'Check', value: (c) => c.title },
        {
          key: 'evidence',
          title: 'Evidence',
          value: (c) => c.evidence.join(' '),
          render: (c) => c.evidence.map((line) => <div key={line}>{line}</div>),
        },
        { key: 'fix', title: 'Fix', value: (c) => c.fix ?? '' },
      ]}
    />
  );
}

function Audit(): ReactNode {
  return (
    <Report
      id="audit"
      title="Security audit"
      load={() => api<Finding[]>('GET', '/access/tessera/audit')}
      controls={button('Run the audit')}
      caption="Findings"
      rowKey={(f) => `${f.id}-${f.severity}`}
      columns={[
        {
          key: 'severity',
          title: 'Severity',
          value: (f) => ['high', 'medium', 'low', 'info'].indexOf(f.severity),
          render: (f) => f.severity,
        },
        { key: 'title', title: 'Finding', value: (f) => f.title },
        { key: 'objects', title: 'Concerns', value: (f) => f.objects.join(', ') },
        { key: 'fix', title: 'Fix', value: (f) => f.fix },
      ]}
      empty="No findings."
    />
  );
}

export function AdminDiagnostics(_props: PageProps): ReactNode {
  return (
    <>
      <Logins />
      <ChangeTrail />
      <Doctor />
      <Audit />
    </>
  );
}
