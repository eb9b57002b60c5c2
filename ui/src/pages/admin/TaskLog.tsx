/**
 * A task as it runs (realm sync): its log, read through `/nodes/{node}/tasks/{upid}/log`
 * while `/status` says `running`, and its end (`OK`, or the error). The node is the UPID's
 * second part, as Proxmox's own interface reads it. The end is announced to screen readers
 * (`role="status"`); the log itself grows quietly.
 */
import { useEffect, useState, type ReactNode } from 'react';
import { api, describeError } from '../../api.js';

interface Status {
  readonly status: 'running' | 'stopped';
  readonly exitstatus?: string;
}

interface Line {
  readonly n: number;
  readonly t: string;
}

const POLL_MS = 1000;

export function TaskLog(props: { readonly upid: string; readonly label: string }): ReactNode {
  const { upid } = props;
  const [lines, setLines] = useState<readonly string[]>([]);
  const [status, setStatus] = useState<Status | undefined>();
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    const node = upid.split(':')[1] ?? '';
    const base = `/nodes/${encodeURIComponent(node)}/tasks/${encodeURIComponent(upid)}`;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let seen = 0;
    const poll = async (): Promise<void> => {
      try {
        const now = await api<Status>('GET', `${base}/status`);
        // The log after the status: a stopped task's log is complete.
        const more = await api<Line[]>('GET', `${base}/log`, { start: seen, limit: 0 });
        if (!live) return;
        const fresh = more.filter((l) => l.n > seen && !(l.n === 1 && l.t === 'no content'));
        if (fresh.length > 0) {
          seen = fresh[fresh.length - 1]?.n ?? seen;
          setLines((old) => [...old, ...fresh.map((l) => l.t)]);
        }
        setStatus(now);
        if (now.status === 'running') timer = setTimeout(() => void poll(), POLL_MS);
      } catch (err) {
        if (live) setError(describeError(err));
      }
    };
    void poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [upid]);

  const ended = status?.status === 'stopped';
  return (
    <>
      <p className="hint" role="status">
        {error !== undefined
          ? `Could not read the task: ${error}`
          : !ended
            ? 'Running…'
            : status.exitstatus === 'OK'
              ? 'Task finished: OK'
              : `Task failed: ${status.exitstatus ?? 'unknown status'}`}
      </p>
      <pre className="log" aria-label={props.label} tabIndex={0}>
        {lines.join('\n')}
      </pre>
    </>
  );
}
