/**
 * `tessera serve`: the HTTPS API. On an empty store it first sets up the built-in realms and
 * a bootstrap administrator; it keeps the ticket keys rotated, logs every authentication
 * failure in Proxmox's format, and stops cleanly on SIGTERM or SIGINT.
 */
import { AuditLogFile, AuthLogFile, authFailureLine } from '../../api/auth-log.js';
import { buildApi } from '../../api/server.js';
import { ensureCertificate, readTls } from '../../api/tls.js';
import { ensureServerKeys } from '../../auth/server-keys.js';
import { DEFAULT_THROTTLE, type ThrottleOptions } from '../../auth/throttle.js';
import { isTesseraError, TesseraError } from '../../errors.js';
import { isLoopbackHost } from '../../model/host.js';
import { DEFAULT_RETENTION, EventLog, type Retention } from '../../diagnostics/events.js';
import { HeartbeatPublisher } from '../../diagnostics/heartbeat.js';
import { VERSION } from '../../api/routes/access.js';
import { hostname } from 'node:os';
import { pamSupport } from '../../realms/pam.js';
import { bootstrap } from '../../services/bootstrap.js';
import { liveContext } from '../../services/context.js';
import { OfflineTfa } from '../../services/tfa-offline.js';
import { PROXMOX_LOCKOUT } from '../../services/tfa.js';
import { LiveAccess } from '../../store/live.js';
import { dataDirectory, openStore } from '../../store/open.js';
import { noMoreArgs, stringOption, type CommandContext } from '../context.js';
import { signalled, STOP_BUDGET_MS, stopWithin } from './serve-stop.js';
import {
  announceBootstrapPassword,
  remindBootstrapPassword,
  warnAboutWaysIn,
} from './serve-notices.js';

/** `--throttle off` or `--throttle <failures>/<window s>/<ban s>`. */
function throttleOption(value: string | undefined): ThrottleOptions | false {
  if (value === undefined) return DEFAULT_THROTTLE;
  if (value === 'off') return false;
  const match = /^(\d+)\/(\d+)\/(\d+)$/.exec(value);
  if (!match)
    throw new TesseraError(
      'usage',
      `--throttle expects off or <failures>/<window s>/<ban s>, as in 5/60/300`,
      {
        field: 'throttle',
      },
    );
  const failures = Number(match[1]);
  return {
    failures,
    windowSeconds: Number(match[2]),
    banSeconds: Number(match[3]),
    addressFailures: failures * 5,
  };
}

function listenAddress(value: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:]+)\]|([^:]*)):(\d{1,5})$/.exec(value);
  const port = Number(match?.[3]);
  if (!match || port < 1 || port > 65_535)
    throw new TesseraError(
      'usage',
      `--listen expects host:port (as in 0.0.0.0:8006), not '${value}'`,
      {
        field: 'listen',
      },
    );
  return { host: match[1] ?? (match[2] === '' ? '0.0.0.0' : (match[2] ?? '0.0.0.0')), port };
}

/** A positive whole number option, or its default. */
function countOption(ctx: CommandContext, name: string, fallback: number): number {
  const value = stringOption(ctx, name);
  if (value === undefined) return fallback;
  if (!/^[1-9]\d{0,8}$/.test(value))
    throw new TesseraError('usage', `--${name} expects a positive whole number, not '${value}'`, {
      field: name,
    });
  return Number(value);
}

/** `--event-retention <count>/<days>`: how many authentication events, and how old, to keep. */
function retentionOption(value: string | undefined): Retention {
  if (value === undefined) return DEFAULT_RETENTION;
  const match = /^(\d{1,7})\/(\d{1,4})$/.exec(value);
  if (!match)
    throw new TesseraError(
      'usage',
      `--event-retention expects <count>/<days>, as in 20000/30, not '${value}'`,
      {
        field: 'event-retention',
      },
    );
  return { maxEvents: Number(match[1]), maxAgeSeconds: Number(match[2]) * 86_400 };
}

export async function serveCommand(ctx: CommandContext): Promise<number> {
  noMoreArgs(ctx, 0);
  const { host, port } = listenAddress(stringOption(ctx, 'listen') ?? '0.0.0.0:8006');
  const certFile = stringOption(ctx, 'cert');
  const keyFile = stringOption(ctx, 'key');
  if ((certFile === undefined) !== (keyFile === undefined))
    throw new TesseraError('usage', '--cert and --key go together', {
      field: certFile === undefined ? 'cert' : 'key',
    });
  const dataDir = dataDirectory();
  const trustedProxies = (stringOption(ctx, 'trusted-proxy') ?? '')
    .split(',')
    .map((cidr) => cidr.trim())
    .filter((cidr) => cidr !== '');
  for (const cidr of trustedProxies) {
    if (!/^[0-9a-fA-F.:]+(?:\/\d{1,3})?$/.test(cidr))
      throw new TesseraError('usage', `--trusted-proxy expects addresses or CIDRs, not '${cidr}'`, {
        field: 'trusted-proxy',
      });
  }
  const throttle = throttleOption(stringOption(ctx, 'throttle'));
  const authLogPath = stringOption(ctx, 'auth-log');
  const pamService = stringOption(ctx, 'pam-service');
  const loginDelay = stringOption(ctx, 'login-delay');
  if (loginDelay !== undefined && !/^\d+(\.\d+)?$/.test(loginDelay))
    throw new TesseraError('usage', `--login-delay expects seconds, not '${loginDelay}'`, {
      field: 'login-delay',
    });
  const webauthnRpId = stringOption(ctx, 'webauthn-rp-id');
  const webauthnOrigin = stringOption(ctx, 'webauthn-origin');
  if (webauthnOrigin !== undefined && !/^https?:\/\/[^/?#]+$/.test(webauthnOrigin))
    throw new TesseraError(
      'usage',
      `--webauthn-origin expects a URL origin such as https://pve.example.com:8006, not '${webauthnOrigin}'`,
      { field: 'webauthn-origin' },
    );
  if (webauthnRpId !== undefined && !/^[A-Za-z0-9.-]+$/.test(webauthnRpId))
    throw new TesseraError('usage', `--webauthn-rp-id expects a host name, not '${webauthnRpId}'`, {
      field: 'webauthn-rp-id',
    });
  // Plain HTTP only where nobody else can listen in: on loopback, behind a local proxy.
  const plainHttp = ctx.options['http'] === true;
  if (plainHttp && !isLoopbackHost(host))
    throw new TesseraError(
      'usage',
      `--http serves without TLS and is allowed only on a loopback address, not '${host}'`,
      { field: 'http' },
    );
  const lockout = {
    totpFailures: countOption(ctx, 'totp-failure-limit', PROXMOX_LOCKOUT.totpFailures),
    tfaFailures: countOption(ctx, 'tfa-failure-limit', PROXMOX_LOCKOUT.tfaFailures),
    lockSeconds: countOption(ctx, 'tfa-lock-time', PROXMOX_LOCKOUT.lockSeconds),
  };
  const authLog = authLogPath === undefined ? undefined : new AuthLogFile(authLogPath);
  const auditLogPath = stringOption(ctx, 'audit-log');
  const auditLog = auditLogPath === undefined ? undefined : new AuditLogFile(auditLogPath);

  const live = await LiveAccess.open(await openStore(ctx.storeUrl));
  const services = liveContext(live);
  const password = await bootstrap(services);
  if (password !== undefined) await announceBootstrapPassword(ctx.io, dataDir, password);
  else await remindBootstrapPassword(ctx.io, services, dataDir);
  await warnAboutWaysIn(ctx.io, services, pamSupport());
  const rotate = async (): Promise<void> => {
    try {
      await ensureServerKeys(services, Math.floor(Date.now() / 1000));
    } catch (err) {
      // Without quorum nobody rotates; the current key keeps working.
      ctx.io.err(
        `tessera: ticket key rotation postponed: ${err instanceof Error ? err.message : String(err)}\n`,
      );
    }
  };
  await rotate();
  const rotation = setInterval(() => void rotate(), 60_000);

  const tls = plainHttp
    ? undefined
    : await readTls(
        certFile !== undefined && keyFile !== undefined
          ? { cert: certFile, key: keyFile }
          : await ensureCertificate(dataDir),
      );
  const offlineTfa = new OfflineTfa();
  offlineTfa.start(services, 5_000, (err) => {
    ctx.io.err(
      `tessera: second-factor state from the read-only period not merged yet: ${err instanceof Error ? err.message : String(err)}\n`,
    );
  });
  const nodeName = stringOption(ctx, 'node-name') ?? hostname();
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(nodeName))
    throw new TesseraError('usage', `--node-name expects a host-like name, not '${nodeName}'`, {
      field: 'node-name',
    });
  const events = new EventLog(
    live.store,
    nodeName,
    retentionOption(stringOption(ctx, 'event-retention')),
  );
  events.start(1_000, (err) => {
    // The store refuses writes (no quorum): events wait in memory and go in later.
    if (!isTesseraError(err, 'store_read_only'))
      ctx.io.err(
        `tessera: audit events not written yet: ${err instanceof Error ? err.message : String(err)}\n`,
      );
  });
  const heartbeat = new HeartbeatPublisher(live.store, nodeName, VERSION.version);
  if (live.store.writable) heartbeat.start(() => live.snapshot.revision);
  const realmOf = (user: string): { realm?: string } => {
    const at = user.lastIndexOf('@');
    return at > 0 ? { realm: user.slice(at + 1).split('!')[0] ?? '' } : {};
  };
  const app = await buildApi(
    {
      live,
      node: nodeName,
      // Refused and failed changes; accepted ones are written with the change itself.
      audit: {
        record: (event) => {
          events.recordChange(event);
        },
      },
      onAuthSuccess: (event) => {
        events.record({ ...event, outcome: 'success', ...realmOf(event.user) });
      },
      throttle,
      offlineTfa,
      lockout,
      webauthn: {
        ...(webauthnRpId !== undefined ? { rpId: webauthnRpId } : {}),
        ...(webauthnOrigin !== undefined ? { origin: webauthnOrigin } : {}),
      },
      ...(pamService !== undefined ? { pamService } : {}),
      ...(loginDelay !== undefined ? { authFailureDelayMs: Number(loginDelay) * 1000 } : {}),
      onAuthFailure: (event) => {
        events.record({ ...event, outcome: 'failure', ...realmOf(event.user) });
        ctx.io.err(`${authFailureLine(event)}\n`);
        authLog?.write(event);
        auditLog?.write(event);
      },
    },
    tls,
    trustedProxies,
  );
  await app.listen({ host, port });
  // On all addresses, the URL to open is this machine's own name (or localhost).
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  ctx.io.out(
    `Tessera listening on ${plainHttp ? 'http' : 'https'}://${shown.includes(':') ? `[${shown}]` : shown}:${String(port)}/ (store ${live.store.url}${shown !== host ? `; all addresses` : ''})\n` +
      `Open that URL in a browser for the web interface.\n`,
  );

  await signalled();
  const stopped = await stopWithin(STOP_BUDGET_MS, ctx.io, [
    {
      what: 'the requests in progress',
      run: () => app.close(),
      giveUp: () => {
        app.server.closeAllConnections();
      },
      reserveMs: 1_000,
    },
    {
      what: `the last writes to the store (${String(events.pending)} authentication event(s), second-factor state of ${String(offlineTfa.pending)} user(s) accepted while it was read-only)`,
      run: async () => {
        clearInterval(rotation);
        heartbeat.stop();
        offlineTfa.stop();
        await Promise.all([events.stop(), offlineTfa.flush(services).catch(() => undefined)]);
      },
      reserveMs: 1_000,
    },
    { what: 'closing the store', run: () => live.close(), reserveMs: 200 },
    {
      what: 'closing the log files',
      run: async () => {
        await authLog?.close();
        await auditLog?.close();
      },
      reserveMs: 0,
    },
  ]);
  ctx.io.out(stopped ? 'Tessera stopped\n' : 'Tessera stopped without waiting for the store\n');
  return 0;
}
