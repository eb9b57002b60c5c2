/**
 * `tessera doctor`: checks clocks, the store, realms, the certificate, WebAuthn settings,
 * a way in without external realms and recent failures, and prints each check as ok, warn
 * or fail with its evidence and fix. Exit status 0 when all is ok, 1 with a warning, 2 with
 * a failure. It takes serve's options that matter (`--cert`, `--key`, `--http`,
 * `--webauthn-rp-id`, `--webauthn-origin`, `--node-name`), so serve's command line can be
 * checked as it is.
 */
import { hostname } from 'node:os';
import {
  doctorJson,
  exitStatus,
  renderDoctorText,
  runDoctor,
  type CertificateSource,
} from '../../diagnostics/doctor.js';
import { isTesseraError, TesseraError } from '../../errors.js';
import type { ConfigStore } from '../../store/config-store.js';
import { EtcdStore, parseEtcdHosts } from '../../store/etcd.js';
import { dataDirectory, openStore, sealedStore } from '../../store/open.js';
import { noMoreArgs, stringOption, type CommandContext } from '../context.js';
import { printJson } from '../output.js';

/** Without quorum the write check gives up after this, not after serve's 4 s. */
const ETCD_PROBE_BUDGET_MS = 2_000;

/** The store, or one that fails every call with the reason it could not be opened. */
async function open(url: string | undefined): Promise<ConfigStore> {
  try {
    if (url?.startsWith('etcd://') === true) {
      const hosts = url.slice('etcd://'.length).replace(/\/$/, '');
      if (hosts !== '')
        return await sealedStore(
          new EtcdStore(parseEtcdHosts(hosts), { writeTimeoutMs: ETCD_PROBE_BUDGET_MS }),
          dataDirectory(),
        );
    }
    return await openStore(url);
  } catch (err) {
    if (isTesseraError(err, 'invalid_value')) throw err;
    const reason = new TesseraError(
      'store_unavailable',
      `cannot open the store: ${err instanceof Error ? err.message : String(err)}`,
    );
    return {
      url: url ?? 'the default store',
      writable: true,
      snapshot: () => Promise.reject(reason),
      transact: () => Promise.reject(reason),
      watch: () => () => undefined,
      close: () => Promise.resolve(),
    };
  }
}

export async function doctorCommand(ctx: CommandContext): Promise<number> {
  noMoreArgs(ctx, 0);
  const cert = stringOption(ctx, 'cert');
  const key = stringOption(ctx, 'key');
  if (key !== undefined && cert === undefined)
    throw new TesseraError('usage', '--key goes with --cert', { field: 'key' });
  const certificate: CertificateSource =
    ctx.options['http'] === true
      ? { kind: 'plain-http' }
      : cert !== undefined
        ? { kind: 'file', cert, ...(key !== undefined ? { key } : {}) }
        : { kind: 'data-dir', dir: dataDirectory() };
  const url = stringOption(ctx, 'url');
  const rpId = stringOption(ctx, 'webauthn-rp-id');
  const origin = stringOption(ctx, 'webauthn-origin');
  const store = await open(ctx.storeUrl);
  try {
    const report = await runDoctor({
      store,
      certificate,
      options: {
        node: stringOption(ctx, 'node') ?? stringOption(ctx, 'node-name') ?? hostname(),
        ...(url !== undefined ? { url } : {}),
        ...(rpId !== undefined ? { webauthnRpId: rpId } : {}),
        ...(origin !== undefined ? { webauthnOrigin: origin } : {}),
        skipNetwork: ctx.options['skip-network'] === true,
      },
    });
    if (ctx.format === 'text') ctx.io.out(renderDoctorText(report));
    else printJson(ctx.io, ctx.format, doctorJson(report));
    return exitStatus(report.status);
  } finally {
    await store.close();
  }
}
