/**
 * `tessera serve`: checks its options, starts the server through the composition root
 * (src/server.ts), says where it listens, reloads on SIGHUP and SIGUSR1 (src/server/reload.ts),
 * and stops it on SIGTERM or SIGINT.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_THROTTLE, type ThrottleOptions } from '../../auth/throttle.js';
import { DEFAULT_RETENTION, type Retention } from '../../diagnostics/events.js';
import { TesseraError } from '../../errors.js';
import { isLoopbackHost } from '../../model/host.js';
import { PROXMOX_LOCKOUT } from '../../services/tfa.js';
import { dataDirectory, liveProxmoxDir } from '../../store/open.js';
import { startServer } from '../../server.js';
import { notifyServiceManager } from '../../server/notify.js';
import { reloadOnSignals } from '../../server/reload.js';
import { signalled } from '../../server/stop.js';
import { noMoreArgs, stringOption, type CommandContext } from '../context.js';
import { acmeOptions } from './serve-acme.js';

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

function listenAddress(value: string, field = 'listen'): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:]+)\]|([^:]*)):(\d{1,5})$/.exec(value);
  const port = Number(match?.[3]);
  if (!match || port < 1 || port > 65_535)
    throw new TesseraError(
      'usage',
      `--${field} expects host:port (as in ${field === 'listen' ? '0.0.0.0:8006' : '127.0.0.1:9106'}), not '${value}'`,
      { field },
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
  const nodeName = stringOption(ctx, 'node-name');
  if (nodeName !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(nodeName))
    throw new TesseraError('usage', `--node-name expects a host-like name, not '${nodeName}'`, {
      field: 'node-name',
    });
  const retention = retentionOption(stringOption(ctx, 'event-retention'));
  const pveKeysDir = stringOption(ctx, 'pve-keys') ?? liveClusterDir(ctx.storeUrl);
  if (pveKeysDir === '')
    throw new TesseraError('usage', '--pve-keys expects a directory, as in --pve-keys /etc/pve', {
      field: 'pve-keys',
    });
  const pollSeconds = countOption(ctx, 'pve-keys-poll', 5);
  const acme = acmeOptions(ctx);
  const metricsListen = stringOption(ctx, 'metrics-listen');
  const metricsTokenFile = stringOption(ctx, 'metrics-token-file');
  if (metricsTokenFile === '')
    throw new TesseraError('usage', '--metrics-token-file expects a file', {
      field: 'metrics-token-file',
    });
  const metrics =
    metricsListen === undefined && metricsTokenFile === undefined
      ? undefined
      : {
          ...(metricsListen !== undefined
            ? { listen: listenAddress(metricsListen, 'metrics-listen') }
            : {}),
          ...(metricsTokenFile !== undefined ? { tokenFile: metricsTokenFile } : {}),
        };

  const server = await startServer(
    {
      storeUrl: ctx.storeUrl,
      dataDir,
      host,
      port,
      tls: plainHttp
        ? 'none'
        : certFile !== undefined && keyFile !== undefined
          ? { cert: certFile, key: keyFile }
          : 'self-signed',
      trustedProxies,
      throttle,
      authLogPath: stringOption(ctx, 'auth-log'),
      auditLogPath: stringOption(ctx, 'audit-log'),
      accessLogPath: stringOption(ctx, 'access-log'),
      pamService,
      loginDelayMs: loginDelay === undefined ? undefined : Number(loginDelay) * 1000,
      webauthn: {
        ...(webauthnRpId !== undefined ? { rpId: webauthnRpId } : {}),
        ...(webauthnOrigin !== undefined ? { origin: webauthnOrigin } : {}),
      },
      lockout,
      nodeName,
      retention,
      ...(pveKeysDir !== undefined
        ? { pveKeys: { dir: pveKeysDir, pollMs: pollSeconds * 1000 } }
        : {}),
      ...(acme !== undefined ? { acme } : {}),
      ...(metrics !== undefined ? { metrics } : {}),
    },
    ctx.io,
  );
  // On all addresses, the URL to open is this machine's own name (or localhost).
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  ctx.io.out(
    `Tessera listening on ${plainHttp ? 'http' : 'https'}://${shown.includes(':') ? `[${shown}]` : shown}:${String(port)}/ (store ${server.storeUrl}${shown !== host ? `; all addresses` : ''})\n` +
      `Open that URL in a browser for the web interface.\n`,
  );

  const stopReloading = reloadOnSignals(server.reloads, ctx.io);
  await notifyServiceManager('READY=1', ctx.io);
  await signalled();
  stopReloading();
  void notifyServiceManager('STOPPING=1', ctx.io);
  const stopped = await server.stop();
  ctx.io.out(stopped ? 'Tessera stopped\n' : 'Tessera stopped without waiting for the store\n');
  return 0;
}

/**
 * Live on a node's /etc/pve, Tessera signs with the cluster's ticket keys, as the node does,
 * when the directory has them: its tickets then work on every node, and theirs here.
 */
function liveClusterDir(storeUrl: string | undefined): string | undefined {
  const dir = liveProxmoxDir(storeUrl);
  return dir !== undefined && existsSync(join(dir, 'priv', 'authkey.key')) ? dir : undefined;
}
