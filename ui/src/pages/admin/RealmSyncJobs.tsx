/**
 * The scheduled sync jobs of one realm (`/cluster/jobs/realm-sync`): when each runs next,
 * whether it is on, and a small form to add one (an id and a Proxmox calendar event such as
 * `daily` or `mon..fri 02:30`), with a delete button per job that asks first.
 */
import { useState, type ReactNode } from 'react';
import { api, describeError } from '../../api.js';
import { Input, Message, useSubmit } from '../../components/Form.js';
import { ConfirmButton } from './buttons.js';
import { useLoad } from './load.js';

interface Job {
  readonly id: string;
  readonly realm: string;
  readonly schedule: string;
  readonly scope: string;
  readonly enabled: number;
  readonly 'next-run'?: number;
  readonly 'last-run'?: number;
}

const JOBS = '/cluster/jobs/realm-sync';

function when(epoch: number | undefined): string {
  return epoch === undefined ? '' : new Date(epoch * 1000).toLocaleString();
}

export function RealmSyncJobs(props: {
  readonly realm: string;
  readonly defaults: { readonly scope: string };
}): ReactNode {
  const jobs = useLoad(`jobs:${props.realm}`, () => api<Job[]>('GET', JOBS));
  const [id, setId] = useState('');
  const [schedule, setSchedule] = useState('daily');
  const [note, setNote] = useState<string | undefined>();
  const submit = useSubmit();
  const mine = (jobs.data ?? []).filter((j) => j.realm === props.realm);

  return (
    <section aria-labelledby="sync-jobs">
      <h3 id="sync-jobs">Scheduled syncs</h3>
      {jobs.error !== undefined ? <Message text={jobs.error} /> : null}
      {note !== undefined ? <Message text={note} kind="info" /> : null}
      {mine.length > 0 ? (
        <div className="table-wrap">
          <table>
            <caption>Sync jobs of {props.realm}</caption>
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">Schedule</th>
                <th scope="col">Enabled</th>
                <th scope="col">Next run</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {mine.map((job) => (
                <tr key={job.id}>
                  <td data-label="Job">{job.id}</td>
                  <td data-label="Schedule">{job.schedule}</td>
                  <td data-label="Enabled">{job.enabled === 0 ? 'no' : 'yes'}</td>
                  <td data-label="Next run">{when(job['next-run'])}</td>
                  <td className="actions">
                    <ConfirmButton
                      text="Delete"
                      name={`Delete job ${job.id}`}
                      question={`Delete the sync job ${job.id}?`}
                      confirm="Delete"
                      onConfirm={() => {
                        api('DELETE', `${JOBS}/${encodeURIComponent(job.id)}`).then(
                          () => {
                            setNote(`Job ${job.id} deleted.`);
                            jobs.reload();
                          },
                          (err: unknown) => {
                            setNote(describeError(err));
                          },
                        );
                      }}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : jobs.data !== undefined ? (
        <p className="hint">No scheduled syncs for {props.realm}.</p>
      ) : null}
      <form
        aria-label="Add a scheduled sync"
        onSubmit={(e) => {
          e.preventDefault();
          void submit.run(async () => {
            await api('POST', `${JOBS}/${encodeURIComponent(id)}`, {
              realm: props.realm,
              schedule,
              scope: props.defaults.scope,
            });
            setNote(`Job ${id} added.`);
            setId('');
            jobs.reload();
          });
        }}
      >
        <Message text={submit.message} />
        <div className="row">
          <Input label="Job ID" name="id" value={id} onChange={setId} errors={submit.errors} />
          <Input
            label="Schedule"
            name="schedule"
            value={schedule}
            onChange={setSchedule}
            errors={submit.errors}
            hint="A calendar event: daily, mon..fri 02:30, */15, sat *-1..7 4:00"
          />
        </div>
        <div className="buttons">
          <button type="submit" disabled={submit.busy}>
            Add job
          </button>
        </div>
      </form>
    </section>
  );
}
