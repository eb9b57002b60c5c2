/**
 * The composition root: the one place where the concrete pieces are put together. It opens
 * the store, keeps the live view, sets up the first start, the ticket keys, the audit
 * events, the second-factor state kept while the store is read-only, the heartbeat, and the
 * HTTP adapter with the login's realms and throttle. `tessera serve` parses its options into
 * {@link ServerSettings} and calls {@link startServer}; nothing else wires adapters.
 */
import { hostname } from 'node:os';
import { logAccess } from './api/access-log.js';
import { AuditLogFile, AuthLogFile, authLogLine } from './api/auth-log.js';
import { LogFile } from './api/log-file.js';
import { VERSION } from './api/routes/access.js';
import { createApp } from './api/app.js';
import { registerHealth } from './api/health.js';
import { observeRequests, registerMetrics } from './api/metrics.js';
import { buildApi } from './api/server.js';
import {
  describeCertificate,
  ensureCertificate,
  readCheckedTls,
  readTls,
  useCertificate,
} from './api/tls.js';
import { LoginThrottle, type ThrottleOptions } from './auth/throttle.js';
import { ThrottleShare } from './auth/throttle-share.js';
import { hashScheduler } from './auth/password.js';
import { HeartbeatPublisher } from './diagnostics/heartbeat.js';
import { ServerMetrics } from './diagnostics/metrics.js';
import { Readiness } from './diagnostics/readiness.js';
import { EventLog, type Retention } from './diagnostics/events.js';
import { isTesseraError } from './errors.js';
import { pamSupport } from './realms/pam.js';
import { bootstrap, isUnconfigured } from './services/bootstrap.js';
import { liveContext, type ServiceContext } from './services/context.js';
import { ensureServerKeys } from './services/server-keys.js';
import { ClusterKeyFollower } from './services/cluster-keys.js';
import type { ClusterKeyValues } from './auth/cluster-keys.js';
import { KEY_LIFETIME } from './auth/ticket.js';
import { TaskIndex } from './services/tasks/task-index.js';
import { TaskManager } from './services/tasks/tasks.js';
import { JobScheduler } from './services/jobs/scheduler.js';
import { OfflineTfa } from './services/tfa-offline.js';
import type { LockoutLimits } from './services/tfa.js';
import { LiveAccess } from './store/live.js';
import { defaultStoreUrl, openStore } from './store/open.js';
import { SealedStore } from './store/sealed.js';
import { inspectDataDir, refuseBlankDatabase, refuseEmptyStore } from './server/data-dir.js';
import { preloadWebauthn, type WebauthnSettings } from './tfa/webauthn.js';
import type { Io } from './server/io.js';
import {
  announceBootstrapPassword,
  bootstrapPasswordFile,
  remindBootstrapPassword,
  warnAboutWaysIn,
} from './server/notices.js';
import { readMetricsToken } from './server/metrics-token.js';
import { Reloads } from './server/reload.js';
import { acmeStartingFiles, startAcme } from './server/acme/start.js';
import type { AcmeSettings } from './server/acme/renewer.js';
import { STOP_BUDGET_MS, stopWithin } from './server/stop.js';

export interface ServerSettings {
  /** `undefined`: the embedded SQLite store in the data directory. */
  readonly storeUrl: string | undefined;
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  /** Given files, a self-signed certificate made in the data directory, or plain HTTP. */
  readonly tls: { readonly cert: string; readonly key: string } | 'self-signed' | 'none';
  readonly trustedProxies: readonly string[];
  readonly throttle: ThrottleOptions | false;
  readonly authLogPath: string | undefined;
  readonly auditLogPath: string | undefined;
  /** One line per request, in pveproxy's access-log format (src/api/access-log.ts). */
  readonly accessLogPath?: string | undefined;
  readonly pamService: string | undefined;
  readonly loginDelayMs: number | undefined;
  readonly webauthn: WebauthnSettings;
  readonly lockout: LockoutLimits;
  readonly nodeName: string | undefined;
  readonly retention: Retention;
  /**
   * Follow the ticket keys of a Proxmox directory (`/etc/pve`) instead of rotating Tessera's
   * own: read at start, re-read when the files change (checked every `pollMs`).
   */
  readonly pveKeys?: { readonly dir: string; readonly pollMs: number };
  /** Get and renew the certificate by ACME (src/server/acme/); replaces `tls`'s files. */
  readonly acme?: AcmeSettings;
  /**
   * `GET /metrics`: on a listen address of its own, or on the API's port behind the token in
   * `tokenFile` (or both). Undefined: no metrics.
   */
  readonly metrics?: {
    readonly listen?: { readonly host: string; readonly port: number };
    readonly tokenFile?: string;
  };
}

export interface RunningServer {
  readonly storeUrl: string;
  /** What SIGHUP and SIGUSR1 take again (src/server/reload.ts). */
  readonly reloads: Reloads;
  /** Stops within a budget; `false` when the store's last writes had to be given up. */
  stop(): Promise<boolean>;
}

export async function startServer(settings: ServerSettings, io: Io): Promise<RunningServer> {
  const storeUrl = settings.storeUrl ?? defaultStoreUrl();
  const tokenFile = settings.metrics?.tokenFile;
  let metricsToken = tokenFile === undefined ? undefined : await readMetricsToken(tokenFile);
  // Before anything is opened: opening the store or a log may create files there.
  const dataDir = inspectDataDir(settings.dataDir, storeUrl);
  refuseBlankDatabase(dataDir);
  const logFile = (path: string | undefined): LogFile | undefined =>
    path === undefined
      ? undefined
      : new LogFile(path, (err) => {
          io.err(`tessera: ${path}: lines dropped until the file is reopened: ${err.message}\n`);
        });
  const logFiles = {
    auth: logFile(settings.authLogPath),
    audit: logFile(settings.auditLogPath),
    access: logFile(settings.accessLogPath),
  };
  const authLog = logFiles.auth && new AuthLogFile(logFiles.auth);
  const auditLog = logFiles.audit && new AuditLogFile(logFiles.audit);
  const store = await openStore(storeUrl);
  if (store instanceof SealedStore) await sealEarlierSecrets(store, io);
  const live = await LiveAccess.open(store);
  if (isUnconfigured(live.snapshot)) {
    try {
      refuseEmptyStore(dataDir, live.store.url);
    } catch (err) {
      await live.close();
      throw err;
    }
  }
  const services = liveContext(live);
  const password = await bootstrap(services);
  if (password !== undefined) await announceBootstrapPassword(io, settings.dataDir, password);
  else await remindBootstrapPassword(io, services, settings.dataDir);
  await warnAboutWaysIn(io, services, pamSupport());

  const rotate = async (): Promise<void> => {
    try {
      await ensureServerKeys(services, Math.floor(Date.now() / 1000));
    } catch (err) {
      // Without quorum nobody rotates; the current key keeps working.
      io.err(
        `tessera: ticket key rotation postponed: ${err instanceof Error ? err.message : String(err)}\n`,
      );
    }
  };
  // The cluster's nodes rotate its keys; a node that follows them never rotates.
  let follower: ClusterKeyFollower | undefined;
  try {
    if (settings.pveKeys !== undefined) follower = await followKeys(services, settings.pveKeys, io);
  } catch (err) {
    await live.close();
    throw err;
  }
  if (follower === undefined) await rotate();
  const rotation = follower === undefined ? setInterval(() => void rotate(), 60_000) : undefined;

  const tlsFiles =
    settings.tls === 'none'
      ? undefined
      : settings.acme !== undefined
        ? await acmeStartingFiles(settings.acme, settings.dataDir, Date.now())
        : settings.tls === 'self-signed'
          ? await ensureCertificate(settings.dataDir)
          : settings.tls;
  const tls = tlsFiles === undefined ? undefined : await readTls(tlsFiles);
  const offlineTfa = new OfflineTfa();
  offlineTfa.start(services, 5_000, (err) => {
    io.err(
      `tessera: second-factor state from the read-only period not merged yet: ${err instanceof Error ? err.message : String(err)}\n`,
    );
  });
  const nodeName = settings.nodeName ?? hostname();
  const events = new EventLog(live.store, nodeName, settings.retention);
  events.start(1_000, (err) => {
    // The store refuses writes (no quorum): events wait in memory and go in later.
    if (!isTesseraError(err, 'store_read_only'))
      io.err(
        `tessera: audit events not written yet: ${err instanceof Error ? err.message : String(err)}\n`,
      );
  });
  // The login throttle counts failures of every node that shares the store.
  const throttle = settings.throttle === false ? false : new LoginThrottle(settings.throttle);
  const throttleShare =
    throttle !== false && live.store.writable ? new ThrottleShare(live, throttle) : undefined;
  await throttleShare?.start((err) => {
    if (!isTesseraError(err, 'store_read_only'))
      io.err(
        `tessera: login throttle records not shared yet: ${err instanceof Error ? err.message : String(err)}\n`,
      );
  });
  const heartbeat = new HeartbeatPublisher(live.store, nodeName, VERSION.version);
  if (live.store.writable) heartbeat.start(() => live.snapshot.revision);
  const tasks = new TaskManager(live.store, nodeName, {
    index: new TaskIndex(live.store, live),
    committed: async (revision) => {
      await live.waitForRevision(revision);
    },
  });
  if (live.store.writable) {
    try {
      const left = await tasks.recover();
      if (left > 0)
        io.err(
          `tessera: ${String(left)} task(s) of node ${nodeName} were left running by an earlier start: marked 'unexpected status'\n`,
        );
    } catch (err) {
      if (!isTesseraError(err, 'store_read_only')) throw err;
    }
  }
  // Scheduled realm syncs run as the node itself (root@pam), as Proxmox's scheduler does.
  const scheduler = new JobScheduler(
    liveContext(live, {
      node: nodeName,
      audit: {
        record: (event) => {
          events.recordChange(event);
        },
      },
    }),
    tasks,
    {
      onError: (err) => {
        if (!isTesseraError(err, 'store_read_only'))
          io.err(
            `tessera: scheduled jobs not checked: ${err instanceof Error ? err.message : String(err)}\n`,
          );
      },
    },
  );
  if (live.store.writable) scheduler.start();
  const readiness = new Readiness(live.store, {
    onChange: (state, previous) => {
      if (state.ready) {
        if (!previous.ready && previous.reason !== 'starting')
          io.err('tessera: ready again: the store takes writes\n');
      } else if (state.reason !== 'stopping') io.err(`tessera: not ready: ${state.reason}\n`);
    },
  });
  await readiness.start();
  const metrics =
    settings.metrics === undefined
      ? undefined
      : new ServerMetrics({ live, readiness, hashQueue: () => hashScheduler.waiting });
  const realmOf = (user: string): { realm?: string } => {
    const at = user.lastIndexOf('@');
    return at > 0 ? { realm: user.slice(at + 1).split('!')[0] ?? '' } : {};
  };
  const app = await buildApi(
    {
      live,
      node: nodeName,
      tasks,
      bootstrapPasswordFile: bootstrapPasswordFile(settings.dataDir),
      // Refused and failed changes; accepted ones are written with the change itself.
      audit: {
        record: (event) => {
          events.recordChange(event);
        },
      },
      throttle,
      offlineTfa,
      lockout: settings.lockout,
      webauthn: settings.webauthn,
      ...(settings.pamService !== undefined ? { pamService: settings.pamService } : {}),
      ...(settings.loginDelayMs !== undefined ? { authFailureDelayMs: settings.loginDelayMs } : {}),
      onAuthSuccess: (event) => {
        metrics?.loginSucceeded(event);
        events.record({ ...withoutFactor(event), outcome: 'success', ...realmOf(event.user) });
      },
      onAuthFailure: (event) => {
        metrics?.authFailed(event);
        events.record({ ...withoutFactor(event), outcome: 'failure', ...realmOf(event.user) });
        io.err(`${authLogLine(event)}\n`);
        authLog?.write(event);
        auditLog?.write(event);
      },
    },
    tls,
    settings.trustedProxies,
  );
  registerHealth(app, readiness);
  const token = (): Buffer | undefined => metricsToken;
  let metricsApp: Awaited<ReturnType<typeof createApp>> | undefined;
  if (metrics !== undefined) {
    observeRequests(app, metrics);
    const listen = settings.metrics?.listen;
    if (listen !== undefined) {
      // Plain HTTP, for a scraper on loopback or a management network (docs/monitoring.md).
      metricsApp = await createApp();
      registerMetrics(metricsApp, metrics, token);
      await metricsApp.listen(listen);
    } else registerMetrics(app, metrics, token);
  }
  if (logFiles.access !== undefined) logAccess(app, logFiles.access);
  // Before the first request: no WebAuthn login waits for the library to load.
  await preloadWebauthn();
  await app.listen({ host: settings.host, port: settings.port });

  const reloads = new Reloads();
  const opened = Object.values(logFiles).filter((file) => file !== undefined);
  if (opened.length > 0)
    reloads.add({
      what: 'the log files',
      kind: 'logs',
      run: async () => {
        await Promise.all(opened.map((file) => file.reopen()));
        return `reopened ${opened.map((file) => file.path).join(', ')}`;
      },
    });
  const acme =
    settings.acme === undefined
      ? undefined
      : await startAcme(settings.acme, settings.dataDir, app.server, reloads, io);
  if (tlsFiles !== undefined && acme === undefined) {
    let served = tls?.cert;
    reloads.add({
      what: 'the HTTPS certificate',
      kind: 'all',
      run: async () => {
        const material = await readCheckedTls(tlsFiles);
        if (served !== undefined && material.cert.equals(served))
          return `the HTTPS certificate in ${tlsFiles.cert} is unchanged`;
        useCertificate(app.server, material);
        served = material.cert;
        return `new connections get the certificate in ${tlsFiles.cert}: ${describeCertificate(material.cert)}`;
      },
    });
  }

  if (tokenFile !== undefined)
    reloads.add({
      what: 'the metrics token',
      kind: 'all',
      run: async () => {
        metricsToken = await readMetricsToken(tokenFile);
        return `scrapes of /metrics need the token in ${tokenFile}`;
      },
    });

  return {
    storeUrl: live.store.url,
    reloads,
    stop: () =>
      stopWithin(STOP_BUDGET_MS, io, [
        {
          what: 'the requests in progress',
          run: async () => {
            readiness.stop();
            metrics?.stop();
            await acme?.stop();
            await Promise.all([app.close(), metricsApp?.close()]);
          },
          giveUp: () => {
            app.server.closeAllConnections();
          },
          reserveMs: 1_000,
        },
        {
          what: `the last writes to the store (${String(events.pending)} authentication event(s), the end of ${String(tasks.active)} running task(s), second-factor state of ${String(offlineTfa.pending)} user(s) accepted while it was read-only)`,
          run: async () => {
            clearInterval(rotation);
            await follower?.stop();
            scheduler.stop();
            heartbeat.stop();
            offlineTfa.stop();
            await Promise.all([
              tasks.close(),
              events.stop(),
              offlineTfa.flush(services).catch(() => undefined),
              throttleShare?.stop().catch(() => undefined),
            ]);
          },
          reserveMs: 1_000,
        },
        { what: 'closing the store', run: () => live.close(), reserveMs: 200 },
        {
          what: 'closing the log files',
          run: async () => {
            await Promise.all(opened.map((file) => file.close()));
          },
          reserveMs: 0,
        },
      ]),
  };
}

/** The stored events' fields are a contract (docs/audit-trail.md): the answered factor stays out. */
function withoutFactor<T extends { secondFactor?: unknown }>(event: T): Omit<T, 'secondFactor'> {
  const copy = { ...event };
  delete copy.secondFactor;
  return copy;
}

/** Takes the cluster's keys and follows them. */
async function followKeys(
  services: ServiceContext,
  pveKeys: { readonly dir: string; readonly pollMs: number },
  io: Io,
): Promise<ClusterKeyFollower> {
  const describe = (keys: ClusterKeyValues): string => {
    const age = Math.floor(Date.now() / 1000) - keys.created;
    return (
      `authkey.pub of ${new Date(keys.created * 1000).toISOString()}` +
      // Proxmox rotates when a node signs a ticket with a key this old; until then tickets
      // signed with it are refused on both sides (its rule, which Tessera follows).
      (age >= KEY_LIFETIME
        ? ` (warning: older than 24 h; the cluster rotates it at the next login on one of its nodes)`
        : '')
    );
  };
  const follower = new ClusterKeyFollower(services, pveKeys.dir, {
    intervalMs: pveKeys.pollMs,
    onError: (err) => {
      io.err(
        `tessera: the cluster's ticket keys in ${pveKeys.dir} were not taken, the previous ones stay: ${err instanceof Error ? err.message : String(err)}\n`,
      );
    },
    onChange: (keys) => {
      io.err(`tessera: took the cluster's new ticket keys: ${describe(keys)}\n`);
    },
  });
  const keys = await follower.start();
  io.err(`tessera: following the cluster's ticket keys in ${pveKeys.dir}: ${describe(keys)}\n`);
  return follower;
}

/** Secrets an earlier version stored in plain text are sealed before anything reads them. */
async function sealEarlierSecrets(store: SealedStore, io: Io): Promise<void> {
  try {
    const count = await store.sealPlainSecrets();
    if (count > 0)
      io.err(
        `tessera: sealed ${String(count)} secret(s) an earlier version stored in plain text (store key ${store.keyLocation})\n`,
      );
  } catch (err) {
    // Without quorum nothing is written; the next start seals them.
    if (!isTesseraError(err, 'store_read_only')) throw err;
    io.err(`tessera: sealing of secrets stored in plain text postponed: ${err.message}\n`);
  }
}
