/**
 * `POST /access/vncticket`: a console proxy asks whether a VNC ticket is valid for a user,
 * a path and a port, and whether the user holds `privs` there. The ticket is Proxmox's
 * short-lived `PVEVNC` ticket (40 seconds, current key only), bound to `<authid>:<path>`
 * and the port. Every refusal is the same `authentication failure` (no hint which part
 * failed); the cause goes to the event sink.
 */
import { serverKeys } from '../../auth/server-keys.js';
import { verifyScopedTicket } from '../../auth/ticket.js';
import { AuthFailure } from '../../errors.js';
import { normalizeAclPath } from '../../model/acl-path.js';
import { asAuthid } from '../../model/ids.js';
import { isPrivilege } from '../../model/privileges.js';
import { splitList } from '../../model/text.js';
import type { LoginDeps } from './login.js';

export interface VncTicketCheck {
  readonly authid: string;
  readonly vncticket: string;
  readonly path: string;
  readonly privs: string;
  readonly port?: number | undefined;
  readonly address: string;
}

// Proxmox's window for short-lived tickets, in seconds of age.
const MIN_AGE = -20;
const MAX_AGE = 40;

/** Resolves when the ticket and the privileges hold; otherwise an AuthFailure. */
export function verifyVncTicket(
  deps: Pick<LoginDeps, 'view' | 'now' | 'events'>,
  check: VncTicketCheck,
): void {
  try {
    decide(deps, check);
  } catch (err) {
    if (err instanceof AuthFailure)
      deps.events.failed({
        kind: 'request',
        rhost: check.address,
        user: check.authid,
        cause: err.code,
        reason: err.detail,
      });
    throw err;
  }
}

function decide(deps: Pick<LoginDeps, 'view' | 'now'>, check: VncTicketCheck): void {
  const { snapshot, engine } = deps.view();
  const path = normalizeAclPath(check.path);
  if (path === undefined) throw new AuthFailure('invalid ticket path', 'ticket_invalid');
  const keys = serverKeys(snapshot);
  // Older console clients send the ticket behind an 8-character prefix.
  const ticket = /^.{8}:(PVEVNC:.*)$/s.exec(check.vncticket)?.[1] ?? check.vncticket;
  const secretData = `${check.authid}:${path}${check.port === undefined ? '' : `:${String(check.port)}`}`;
  const valid =
    keys !== undefined &&
    verifyScopedTicket(keys.ring, 'PVEVNC', ticket, {
      now: deps.now(),
      secretData,
      minAge: MIN_AGE,
      maxAge: MAX_AGE,
    });
  if (!valid) throw new AuthFailure('invalid VNC ticket', 'ticket_invalid');
  const authid = asAuthid(check.authid);
  const privileges = splitList(check.privs);
  const allowed =
    authid !== undefined &&
    privileges.length > 0 &&
    privileges.every((p) => isPrivilege(p) && engine.can(authid, path, p));
  if (!allowed)
    throw new AuthFailure(`no permission (${check.path}, ${check.privs})`, 'no_permission');
}
