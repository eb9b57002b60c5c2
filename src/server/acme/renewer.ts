/**
 * Gets and renews the HTTPS certificate by ACME (HTTP-01): checks at start and then every
 * 12 hours whether the stored certificate is missing, names other domains, or is within its
 * renewal window; if so, orders a new one, stores it and hands it to `onCertificate` (which
 * serves it to new connections). A failed order is logged with the ACME problem's detail and
 * retried with backoff; the certificate being served stays.
 */
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Agent } from 'node:https';
import acme from 'acme-client';
import type { AcmeFiles } from '../../model/acme-files.js';
import type { TlsMaterial } from '../../api/tls.js';
import { accountKey, readUsable, writeStored } from './files.js';
import type { ChallengeResponder } from './responder.js';
import { renewalTime, retryDelay } from './window.js';

export const LETS_ENCRYPT = 'https://acme-v02.api.letsencrypt.org/directory';
const CHECK_EVERY_MS = 12 * 3_600_000;

export interface AcmeSettings {
  readonly domains: readonly string[];
  readonly directoryUrl: string;
  readonly email: string | undefined;
  /** Where the HTTP-01 responder listens. */
  readonly http: { readonly host: string; readonly port: number };
  /** A PEM file of the CA that signed the ACME server's own HTTPS certificate (pebble). */
  readonly caFile: string | undefined;
  /** Renew this long before the end instead of 30 days or a third of the lifetime. */
  readonly renewBeforeMs: number | undefined;
}

export interface RenewerDeps {
  readonly files: AcmeFiles;
  readonly responder: ChallengeResponder;
  readonly now: () => number;
  readonly log: (line: string) => void;
  readonly onCertificate: (material: TlsMaterial) => void;
}

export type CheckResult =
  | { readonly kind: 'kept'; readonly until: number }
  | { readonly kind: 'ordered'; readonly material: TlsMaterial };

export class AcmeRenewer {
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private inProgress: Promise<CheckResult> | undefined;
  private stopped = false;

  constructor(
    private readonly settings: AcmeSettings,
    private readonly deps: RenewerDeps,
  ) {}

  /** Orders a certificate if it is due; one check at a time (a second caller shares it). */
  check(): Promise<CheckResult> {
    this.inProgress ??= this.checkOnce().finally(() => {
      this.inProgress = undefined;
    });
    return this.inProgress;
  }

  /** Checks now, then on its own: every 12 hours, or with backoff after a failure. */
  start(): void {
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      void this.check().then(
        (result) => {
          this.failures = 0;
          const due =
            result.kind === 'kept'
              ? result.until
              : this.dueTime(new X509Certificate(result.material.cert));
          // A window as long as the lifetime makes a new certificate due at once: wait the
          // usual interval rather than order again and again.
          const wait = due - this.deps.now();
          this.schedule(
            wait > 0 ? Math.max(60_000, Math.min(CHECK_EVERY_MS, wait)) : CHECK_EVERY_MS,
          );
        },
        (err: unknown) => {
          this.failures++;
          const wait = retryDelay(this.failures);
          this.deps.log(
            `ACME order for ${this.settings.domains.join(', ')} at ${this.settings.directoryUrl} failed (attempt ${String(this.failures)}), retrying in ${String(Math.round(wait / 1000))} s; the served certificate stays: ${err instanceof Error ? err.message : String(err)}`,
          );
          this.schedule(wait);
        },
      );
    }, delayMs);
    this.timer.unref();
  }

  private async checkOnce(): Promise<CheckResult> {
    const stored = await readUsable(this.deps.files, this.settings.domains, this.deps.now());
    if (stored !== undefined) {
      const due = this.dueTime(stored.x509);
      if (due > this.deps.now()) return { kind: 'kept', until: due };
    }
    const material = await this.order();
    await writeStored(this.deps.files, material);
    this.deps.onCertificate(material);
    return { kind: 'ordered', material };
  }

  private dueTime(x509: X509Certificate): number {
    return renewalTime(
      { notBefore: Date.parse(x509.validFrom), notAfter: Date.parse(x509.validTo) },
      this.settings.renewBeforeMs,
    );
  }

  private async order(): Promise<TlsMaterial> {
    await this.deps.responder.listen(this.settings.http.host, this.settings.http.port);
    if (this.settings.caFile !== undefined) {
      // acme-client's own axios instance: only its requests trust this CA.
      acme.axios.defaults.httpsAgent = new Agent({ ca: await readFile(this.settings.caFile) });
    }
    const client = new acme.Client({
      directoryUrl: this.settings.directoryUrl,
      accountKey: await accountKey(this.deps.files, () => acme.crypto.createPrivateEcdsaKey()),
    });
    const [domain, ...others] = this.settings.domains;
    const [key, csr] = await acme.crypto.createCsr(
      { commonName: domain ?? '', altNames: [domain ?? '', ...others] },
      await acme.crypto.createPrivateEcdsaKey(),
    );
    const { responder } = this.deps;
    const cert = await client.auto({
      csr,
      ...(this.settings.email !== undefined ? { email: this.settings.email } : {}),
      termsOfServiceAgreed: true,
      challengePriority: ['http-01'],
      // The CA validates; a check from this node first would fail behind NAT without hairpin.
      skipChallengeVerification: true,
      challengeCreateFn: (_authz, challenge, keyAuthorization) => {
        responder.add(challenge.token, keyAuthorization);
        return Promise.resolve();
      },
      challengeRemoveFn: (_authz, challenge) => {
        responder.remove(challenge.token);
        return Promise.resolve();
      },
    });
    return { cert: Buffer.from(cert), key };
  }
}
