/**
 * `tessera ticket <username>`, pveum's `ticket`: a login through Tessera's login pipeline
 * (services/login/login.ts) on the node's store, the ticket printed on its own line, as
 * `pveum ticket` prints create_ticket's. The password is read as PVE::PTY::read_password
 * reads it, never from the command line. A user with a second factor gets the partial
 * ticket (`PVE:<user>:...!tfa!...`), which `--tfa-challenge` with the answer as password
 * turns into a full one, as the API's two-step login does.
 *
 * The command runs with the store's own credentials, which reach the password hashes
 * anyway: there is no failed-login throttle and no delay, as in Proxmox, whose pveum has
 * neither. Failures are recorded as the server records them (`tessera explain logins`).
 */
import { hostname } from 'node:os';
import { EventLog } from '../../diagnostics/events.js';
import { AuthFailure, invalid, isTesseraError } from '../../errors.js';
import { engineFor } from '../../permissions/current.js';
import { liveContext } from '../../services/context.js';
import { login } from '../../services/login/login.js';
import { ensureServerKeys } from '../../services/server-keys.js';
import { PROXMOX_LOCKOUT } from '../../services/tfa.js';
import { LiveAccess } from '../../store/live.js';
import { openStore } from '../../store/open.js';
import { failureText } from '../pveum/failure.js';
import { arg, noMoreArgs, stringOption, type CommandContext } from '../context.js';
import { readPassword } from '../password-input.js';

/** Where a command-line login comes from, for the event log and a PAM service's rhost. */
const NODE_ADDRESS = '127.0.0.1';

const USAGE = 'tessera ticket <username> [OPTIONS]\n';

/** pveum's exit status for every failure (Perl's die; pveum's own is errno's value). */
const EXIT_FAILURE = 255;

export async function ticket(ctx: CommandContext): Promise<number> {
  try {
    ctx.io.out(`${await issue(ctx)}\n`);
    return 0;
  } catch (err) {
    // As Proxmox: nothing that tells a wrong password from an unknown or disabled user.
    if (err instanceof AuthFailure) ctx.io.err('401 authentication failure\n');
    else if (isTesseraError(err, 'invalid_value')) ctx.io.err(failureText(err, USAGE));
    else if (isTesseraError(err)) ctx.io.err(`${err.detail}\n`);
    else throw err;
    return EXIT_FAILURE;
  }
}

/** The ticket, or for a privilege check the empty text pveum prints for its undefined one. */
async function issue(ctx: CommandContext): Promise<string> {
  const username = arg(ctx, 0, 'username');
  noMoreArgs(ctx, 1);
  const path = stringOption(ctx, 'path');
  const privs = stringOption(ctx, 'privs');
  // Proxmox's schema: each of path and privs requires the other.
  if (path !== undefined && privs === undefined)
    throw invalid('privs', "missing property - 'path' requires this property");
  if (privs !== undefined && path === undefined)
    throw invalid('path', "missing property - 'privs' requires this property");
  const password = await readPassword(ctx.io.err);

  const store = await openStore(ctx.storeUrl);
  const live = await LiveAccess.open(store);
  const events = new EventLog(store, hostname());
  try {
    const services = liveContext(live);
    const now = (): number => Math.floor(Date.now() / 1000);
    // A store that has never served has no ticket key yet: made as `serve` makes it.
    await ensureServerKeys(services, now());
    const realmOf = (user: string): { realm?: string } => {
      const at = user.lastIndexOf('@');
      return at > 0 ? { realm: user.slice(at + 1) } : {};
    };
    const result = await login(
      {
        services,
        view: () => ({ snapshot: live.snapshot, engine: engineFor(live) }),
        environment: { pamService: stringOption(ctx, 'pam-service') ?? 'tessera' },
        throttle: undefined,
        secondFactor: { offline: undefined, webauthn: {}, lockout: PROXMOX_LOCKOUT },
        events: {
          failed: (event) => {
            events.record({ ...event, outcome: 'failure', ...realmOf(event.user) });
          },
          succeeded: (event) => {
            events.record({ ...event, outcome: 'success', ...realmOf(event.user) });
          },
        },
        now,
      },
      {
        username,
        realm: stringOption(ctx, 'realm'),
        password,
        otp: stringOption(ctx, 'otp'),
        tfaChallenge: stringOption(ctx, 'tfa-challenge'),
        privilegeCheck: path !== undefined && privs !== undefined ? { path, privs } : undefined,
        address: NODE_ADDRESS,
        origin: { protocol: 'https', host: undefined },
      },
    );
    return result.kind === 'allowed' ? '' : result.ticket;
  } finally {
    await events.stop();
    await live.close();
    await store.close();
  }
}
