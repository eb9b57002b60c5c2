/**
 * `realm:<id>`: each directory realm (ldap, ad) connects and binds as its service account,
 * as a login or a sync would, and its server's certificate is not about to expire; each
 * OpenID realm's provider answers discovery. The fixes follow the failure's cause.
 */
import type { RealmId } from '../../model/ids.js';
import type { RealmConfig } from '../../model/realm.js';
import { ldapSettings, type LdapSettings } from '../../realms/ldap-settings.js';
import { openidSettings } from '../../realms/openid.js';
import { AuthFailure, type AuthCause } from '../../errors.js';
import type { AccessSnapshot } from '../../store/snapshot.js';
import { fail, ok, warn, type CheckJob, type DoctorProbes, type Finding } from './types.js';
import { duration, isoTime } from './words.js';

/** A certificate closer than this to its end is worth a warning. */
export const EXPIRY_WARN_MS = 30 * 86_400_000;

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function directoryFix(code: AuthCause, settings: LdapSettings): string {
  const realm = settings.realm;
  switch (code) {
    case 'ldap_unreachable':
      return `check server1/server2 and port (${String(settings.port)}) of realm ${realm}, that the directory server runs, and that firewalls let this node reach it`;
    case 'ldap_tls':
      return `check capath of realm ${realm} (the CA that signed the server's certificate) and the server's certificate (its names and expiry); mode ${settings.mode}, verify ${settings.tls.rejectUnauthorized === true ? '1' : '0'}`;
    case 'ldap_bind_rejected':
      return `check bind_dn and the bind password of realm ${realm} (PUT /access/domains/${realm} with bind_dn and password, or the realm editor of the web interface)`;
    default:
      return `check the settings of realm ${realm} and the directory server's log`;
  }
}

async function directoryRealm(
  config: RealmConfig,
  snapshot: AccessSnapshot,
  probes: DoctorProbes,
  now: number,
): Promise<Finding[]> {
  let settings: LdapSettings;
  try {
    settings = await ldapSettings(config, snapshot.realmSecrets.get(config.realm));
  } catch (err) {
    return [
      fail(
        `cannot read the realm's TLS files: ${message(err)}`,
        `check capath, cert and certkey of realm ${config.realm}: the files must exist and be readable by tessera`,
      ),
    ];
  }
  if (settings.servers.length === 0)
    return [fail('no server configured', `set server1 of realm ${config.realm}`)];
  const findings: Finding[] = [];
  const started = performance.now();
  try {
    const answer = await probes.directory(settings);
    const who =
      settings.bindDn !== undefined ? `service bind as ${settings.bindDn}` : 'anonymous connection';
    findings.push(
      ok(
        `${who} on ${answer.server} (${settings.mode}) succeeded in ${duration(performance.now() - started)}`,
      ),
    );
    const cert = answer.certificate;
    if (cert) {
      const left = cert.validTo - now;
      const text = `certificate of ${answer.server} (${cert.subject}, issued by ${cert.issuer})`;
      const renew = `renew the certificate of the directory server ${answer.server}`;
      if (left <= 0)
        findings.push(
          warn(
            `${text} expired on ${isoTime(cert.validTo)}: only verify 0 lets logins through`,
            renew,
          ),
        );
      else if (left < EXPIRY_WARN_MS)
        findings.push(
          warn(`${text} expires in ${duration(left)} (${isoTime(cert.validTo)})`, renew),
        );
      else findings.push(ok(`${text} valid until ${isoTime(cert.validTo)}`));
    }
    if (settings.mode === 'ldap')
      findings.push(
        ok(
          'note: plain LDAP: the service and user passwords cross the network unencrypted (mode ldaps or ldap+starttls would protect them)',
        ),
      );
    else if (settings.tls.rejectUnauthorized !== true)
      findings.push(
        ok("note: verify 0: the server's certificate is not checked (set verify 1 and capath)"),
      );
  } catch (err) {
    findings.push(
      err instanceof AuthFailure
        ? fail(`${err.code}: ${err.message}`, directoryFix(err.code, settings))
        : fail(message(err), directoryFix('ldap_error', settings)),
    );
  }
  return findings;
}

async function openidRealm(
  config: RealmConfig,
  proxy: string | undefined,
  probes: DoctorProbes,
): Promise<Finding[]> {
  const settings = openidSettings(config, proxy);
  try {
    return [ok(`discovery at ${settings.issuer}: ${await probes.openid(settings)}`)];
  } catch (err) {
    return [
      fail(
        err instanceof AuthFailure ? `${err.code}: ${err.message}` : message(err),
        `check issuer-url of realm ${config.realm}: the provider must answer ${settings.issuer.replace(/\/$/, '')}/.well-known/openid-configuration over HTTPS from this node, with a certificate this node trusts (NODE_EXTRA_CA_CERTS)`,
      ),
    ];
  }
}

/** One check per ldap, ad and openid realm. */
export function realmJobs(snapshot: AccessSnapshot, probes: DoctorProbes, now: number): CheckJob[] {
  return [...snapshot.domains.realms.values()]
    .filter((r) => r.type === 'ldap' || r.type === 'ad' || r.type === 'openid')
    .map((config) => ({
      id: realmCheckId(config.realm),
      title: `Realm ${config.realm} (${config.type})`,
      run: () =>
        config.type === 'openid'
          ? openidRealm(config, snapshot.datacenter?.httpProxy, probes)
          : directoryRealm(config, snapshot, probes, now),
    }));
}

export function realmCheckId(realm: RealmId | string): string {
  return `realm:${realm}`;
}
