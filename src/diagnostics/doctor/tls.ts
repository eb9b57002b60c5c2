/**
 * `https_certificate` and `webauthn`: the certificate `serve` presents (its validity, its
 * names against this host and the URLs clients use, whether anyone but itself vouches for
 * it), and whether the WebAuthn relying party fits the origin and the certificate: browsers
 * refuse WebAuthn on an IP address, on an rp id that does not cover the origin's host, and
 * on a page with a certificate error.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { AccessSnapshot } from '../../store/snapshot.js';
import { webauthnSettings } from '../../tfa/webauthn.js';
import { existsSync } from 'node:fs';
import { acmeFiles } from '../../model/acme-files.js';
import { EXPIRY_WARN_MS } from './realms.js';
import {
  fail,
  ok,
  warn,
  type CertificateSource,
  type DoctorOptions,
  type Finding,
} from './types.js';
import { duration, isoTime, plural } from './words.js';

export interface ServedCertificate {
  readonly certificate?: X509Certificate;
  /** Where it came from, for the evidence. */
  readonly where: string;
  /** Problems found while loading it (unreadable, key not matching). */
  readonly problems: readonly Finding[];
  readonly plainHttp: boolean;
  /** How this certificate is renewed, for the fix of an expiry warning. */
  readonly renew?: string;
}

/** How each kind of certificate is renewed. */
const RENEW = {
  acme: "serve --acme-domain renews it by itself from 30 days before expiry (a third of the lifetime for short ones): look for 'ACME order ... failed' in serve's log, fix the cause, and send serve SIGHUP to try at once",
  file: 'put the renewed certificate and key in place of the files given to --cert and --key and send serve SIGHUP (new connections get it, open ones are kept), or let serve renew by ACME (--acme-domain)',
  selfSigned:
    'remove tessera.crt and tessera.key from the data directory and restart serve to make a new self-signed one, or use a certificate from your CA or ACME',
} as const;

const TRUSTED_CERTIFICATE =
  'use a certificate from your CA or ACME (serve --cert <file> --key <file>), or make the clients trust this one';

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function keyMatches(
  certificate: X509Certificate,
  keyFile: string,
  required: boolean,
): Promise<Finding | undefined> {
  let pem: Buffer;
  try {
    pem = await readFile(keyFile);
  } catch (err) {
    // The generated key is owner-only: another user running doctor cannot read it.
    return required
      ? fail(`cannot read the key ${keyFile}: ${message(err)}`, 'check --key and its permissions')
      : undefined;
  }
  try {
    if (!certificate.checkPrivateKey(createPrivateKey(pem)))
      return fail(
        `the key ${keyFile} does not belong to the certificate: serve cannot start with it`,
        'give --key the private key of the certificate',
      );
  } catch (err) {
    return fail(`cannot use the key ${keyFile}: ${message(err)}`, 'give --key a PEM private key');
  }
  return ok(`the key ${keyFile} belongs to the certificate`);
}

/** Loads the certificate `serve` uses (and checks its key where there is one). */
export async function loadCertificate(source: CertificateSource): Promise<ServedCertificate> {
  switch (source.kind) {
    case 'plain-http':
      return { where: 'plain HTTP', problems: [], plainHttp: true };
    case 'served':
      return {
        certificate: source.certificate,
        where: 'the certificate this server presents',
        problems: [],
        plainHttp: false,
      };
    case 'file':
    case 'data-dir': {
      // serve --acme-domain presents the ACME certificate once there is one.
      const acme = source.kind === 'data-dir' ? acmeFiles(source.dir) : undefined;
      const ordered = acme !== undefined && existsSync(acme.cert);
      const file =
        source.kind === 'file'
          ? source.cert
          : ordered
            ? acme.cert
            : join(source.dir, 'tessera.crt');
      const keyFile =
        source.kind === 'file' ? source.key : ordered ? acme.key : join(source.dir, 'tessera.key');
      const renew = source.kind === 'file' ? RENEW.file : ordered ? RENEW.acme : RENEW.selfSigned;
      let certificate: X509Certificate;
      try {
        certificate = new X509Certificate(await readFile(file));
      } catch (err) {
        const missing = (err as { code?: unknown }).code === 'ENOENT';
        if (source.kind === 'data-dir' && missing)
          return {
            where: file,
            problems: [
              warn(
                `no certificate yet at ${file}: tessera serve makes a self-signed one on its first start`,
                TRUSTED_CERTIFICATE,
              ),
            ],
            plainHttp: false,
          };
        return {
          where: file,
          problems: [
            fail(
              `cannot read the certificate ${file}: ${message(err)}`,
              source.kind === 'file'
                ? 'give --cert a PEM certificate file tessera can read'
                : `remove ${file} and tessera.key: serve makes new ones on its next start`,
            ),
          ],
          plainHttp: false,
        };
      }
      const key =
        keyFile !== undefined
          ? await keyMatches(certificate, keyFile, source.kind === 'file')
          : undefined;
      return {
        certificate,
        where: ordered ? `${file} (ACME)` : file,
        problems: key && key.status !== 'ok' ? [key] : [],
        plainHttp: false,
        renew,
      };
    }
  }
}

export function isSelfSigned(certificate: X509Certificate): boolean {
  if (certificate.issuer !== certificate.subject) return false;
  try {
    return certificate.verify(certificate.publicKey);
  } catch {
    return false;
  }
}

function oneLine(name: string): string {
  return name.split('\n').filter(Boolean).join(', ');
}

/** Whether the certificate names `host` (a DNS name, wildcards included, or an address). */
export function certificateNames(certificate: X509Certificate, host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  return isIP(bare) !== 0
    ? certificate.checkIP(bare) !== undefined
    : certificate.checkHost(bare) !== undefined;
}

/** A short host name matches a SAN that is its fully qualified form. */
function namesShortHost(certificate: X509Certificate, host: string): boolean {
  if (certificateNames(certificate, host)) return true;
  if (host.includes('.')) return false;
  return (certificate.subjectAltName ?? '')
    .split(/,\s*/)
    .some((san) => san.toLowerCase().startsWith(`dns:${host.toLowerCase()}.`));
}

function hostOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    return new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return undefined;
  }
}

export function httpsCertificate(
  served: ServedCertificate,
  options: DoctorOptions,
  hostname: string,
  now: number,
): Finding[] {
  if (served.plainHttp)
    return [
      ok(
        "served over plain HTTP (serve --http behind a TLS proxy): the proxy's certificate is not checked here",
      ),
    ];
  const findings: Finding[] = [...served.problems];
  const cert = served.certificate;
  if (!cert) return findings;
  const sans = cert.subjectAltName ?? 'none';
  findings.push(
    ok(
      `${served.where}: subject ${oneLine(cert.subject)}, issuer ${oneLine(cert.issuer)}, names ${sans}`,
    ),
  );
  const from = Date.parse(cert.validFrom);
  const to = Date.parse(cert.validTo);
  // Validity starts at a whole second; a certificate issued this very second is not early.
  if (from > now + 60_000)
    findings.push(
      fail(
        `not valid before ${isoTime(from)} (${duration(from - now)} from now): clients refuse it`,
        "check this machine's clock, or issue the certificate again",
      ),
    );
  if (to <= now)
    findings.push(
      fail(
        `expired on ${isoTime(to)} (${duration(now - to)} ago): clients refuse it`,
        served.renew ?? 'renew the certificate',
      ),
    );
  else if (to - now < EXPIRY_WARN_MS)
    findings.push(
      warn(
        `expires in ${duration(to - now)} (${isoTime(to)})`,
        served.renew ?? 'renew the certificate',
      ),
    );
  else findings.push(ok(`valid until ${isoTime(to)} (${duration(to - now)} left)`));

  if (!namesShortHost(cert, hostname))
    findings.push(
      warn(
        `this host's name ${hostname} is not among the certificate's names (${sans})`,
        `issue the certificate for ${hostname} (or the name clients use, given with --url)`,
      ),
    );
  const urlHost = hostOf(options.url);
  if (options.url !== undefined && urlHost === undefined)
    findings.push(fail(`--url ${options.url} is not a URL`, 'give --url as https://host:port'));
  if (urlHost !== undefined && !certificateNames(cert, urlHost))
    findings.push(
      fail(
        `clients use ${urlHost} (--url), which the certificate does not name (${sans}): browsers show a certificate error`,
        `issue the certificate for ${urlHost}`,
      ),
    );
  if (isSelfSigned(cert))
    findings.push(
      warn(
        'self-signed: browsers warn on every visit, API clients need --insecure or its fingerprint, and WebAuthn needs a trusted certificate',
        TRUSTED_CERTIFICATE,
      ),
    );
  return findings;
}

function credentials(snapshot: AccessSnapshot | undefined): { count: number; users: number } {
  let count = 0;
  let users = 0;
  for (const user of snapshot?.tfa.users.values() ?? []) {
    const own = user.webauthn.filter((e) => e.info.enable).length;
    count += own;
    if (own > 0) users++;
  }
  return { count, users };
}

export function webauthnCheck(
  served: ServedCertificate,
  options: DoctorOptions,
  snapshot: AccessSnapshot | undefined,
): Finding[] {
  const findings: Finding[] = [];
  // As serve decides: its options first, then datacenter.cfg's `webauthn`.
  const { rpId, origin } = webauthnSettings(
    {
      ...(options.webauthnRpId !== undefined ? { rpId: options.webauthnRpId } : {}),
      ...(options.webauthnOrigin !== undefined ? { origin: options.webauthnOrigin } : {}),
    },
    snapshot?.datacenter?.webauthn,
  );
  const cert = served.plainHttp ? undefined : served.certificate;
  if (origin !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch {
      findings.push(
        fail(`--webauthn-origin ${origin} is not a URL`, 'give it as https://host[:port]'),
      );
    }
    if (url) {
      const host = url.hostname.replace(/^\[|\]$/g, '');
      if (isIP(host) !== 0)
        findings.push(
          fail(
            `origin ${origin} is an IP address: browsers refuse WebAuthn on IP addresses`,
            'use a DNS name for --webauthn-origin (and --webauthn-rp-id), with a certificate for it',
          ),
        );
      else if (url.protocol !== 'https:' && host !== 'localhost')
        findings.push(
          fail(
            `origin ${origin} is not https: browsers offer WebAuthn only on secure pages`,
            `use https://${url.host}`,
          ),
        );
      if (rpId !== undefined) {
        const covered =
          host.toLowerCase() === rpId.toLowerCase() ||
          host.toLowerCase().endsWith(`.${rpId.toLowerCase()}`);
        findings.push(
          covered
            ? ok(`rp id ${rpId} covers the origin's host ${host}`)
            : fail(
                `rp id ${rpId} is neither the origin's host ${host} nor a parent domain of it: browsers refuse registration and login`,
                `set --webauthn-rp-id to ${host} or a parent domain of it`,
              ),
        );
      }
      if (cert && isIP(host) === 0) {
        findings.push(
          certificateNames(cert, host)
            ? ok(`the certificate names the origin's host ${host}`)
            : fail(
                `the origin's host ${host} is not among the certificate's names (${cert.subjectAltName ?? 'none'}): browsers refuse WebAuthn on a certificate error`,
                `use a certificate that names ${host}`,
              ),
        );
      }
    }
  } else if (rpId !== undefined) {
    findings.push(ok(`rp id ${rpId}; the origin comes from each request's host`));
    const names = (cert?.subjectAltName ?? '')
      .split(/,\s*/)
      .filter((san) => san.startsWith('DNS:'))
      .map((san) => san.slice(4).toLowerCase());
    const id = rpId.toLowerCase();
    if (cert && !names.some((n) => n === id || n.endsWith(`.${id}`)))
      findings.push(
        warn(
          `no name of the certificate (${cert.subjectAltName ?? 'none'}) is ${rpId} or below it: clients cannot reach this server under a host the rp id covers`,
          `use a certificate for a host under ${rpId}, or set --webauthn-origin`,
        ),
      );
  } else {
    findings.push(
      ok(
        "rp id and origin come from each request's host, as in Proxmox: a credential registered under one host name works only under it (--webauthn-rp-id and --webauthn-origin fix them)",
      ),
    );
  }
  const { count, users } = credentials(snapshot);
  findings.push(
    ok(
      count === 0
        ? 'no WebAuthn credentials registered'
        : `${plural(count, 'WebAuthn credential')} of ${plural(users, 'user')} registered`,
    ),
  );
  if (count > 0 && cert && isSelfSigned(cert))
    findings.push(
      warn(
        `${plural(count, 'WebAuthn credential')} registered, but the certificate is self-signed: browsers refuse WebAuthn unless the clients trust it`,
        TRUSTED_CERTIFICATE,
      ),
    );
  return findings;
}
