/**
 * The service manager's readiness protocol (sd_notify): under systemd with `Type=notify`,
 * `serve` says READY=1 once it listens and STOPPING=1 when it begins to stop, so that units
 * ordered after Tessera start when it answers, and `systemctl start` returns then.
 *
 * Node has no unix datagram sockets, and a native module for one is not worth it: the
 * message is sent by systemd's own `systemd-notify`. That tool exits as soon as it has sent,
 * and PID 1 finds a message's unit by the sender's cgroup: a sender already gone is dropped
 * (the unit then needs `NotifyAccess=all`, the sender not being the main process). Since
 * systemd 246 `systemd-notify` waits (without `--no-block`) until PID 1 has read the message
 * (a barrier), which closes that race; Debian 12 has 252.
 */
import { execFile } from 'node:child_process';
import type { Io } from './io.js';

/** Where the service manager listens, when `serve` runs under one that asked. */
export function notifySocket(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const socket = env['NOTIFY_SOCKET'];
  return socket === undefined || socket === '' ? undefined : socket;
}

/**
 * Sends `state` (`READY=1`, `STOPPING=1`) when NOTIFY_SOCKET is set; otherwise does nothing.
 * Never fails: a missing `systemd-notify` is said on `io`, and the unit's start times out.
 */
export function notifyServiceManager(
  state: 'READY=1' | 'STOPPING=1',
  io: Io,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  if (notifySocket(env) === undefined) return Promise.resolve();
  const args = state === 'READY=1' ? ['--ready'] : [state];
  return new Promise((resolve) => {
    execFile('systemd-notify', args, { env, timeout: 10_000 }, (err, _stdout, stderr) => {
      if (err !== null)
        io.err(
          `tessera: the service manager was not told ${state} (NOTIFY_SOCKET is set): systemd-notify: ${stderr.trim() || err.message}\n`,
        );
      resolve();
    });
  });
}
