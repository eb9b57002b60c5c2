/**
 * The hardening checklist as data: {@link auditConfiguration} reads one snapshot and returns
 * what an auditor would flag (administrators without a second factor, tokens without
 * privilege separation, ACL entries for principals that do not exist, a self-signed
 * certificate in front of WebAuthn, ...), each finding with a stable id, a severity, the
 * objects concerned and the fix. Pure: time and the certificate are parameters, so the same
 * snapshot always gives the same findings. `tessera audit` and `GET /access/tessera/audit`
 * present them.
 */
import { X509Certificate } from 'node:crypto';
import { compareCodePoints } from '../model/compare.js';
import { ROOT_USERID, splitUserId, type RoleId, type UserId } from '../model/ids.js';
import type { Privilege } from '../model/privileges.js';
import { ADMINISTRATOR } from '../model/roles.js';
import { realmFlag, type RealmConfig } from '../model/realm.js';
import type { TfaUser } from '../model/tfa.js';
import { rolePrivileges, type RoleAssignments, type User } from '../model/user-config.js';
import { PermissionEngine } from '../permissions/engine.js';
import { ldapMode } from '../realms/ldap-settings.js';
import type { AccessSnapshot } from '../store/snapshot.js';
import { ROOT_ACL_PATH } from '../model/acl-path.js';

/** Every finding id; each is stable, documented here and pinned by the tests. */
export const FINDING_IDS = [
  'admin_without_tfa',
  'root_without_tfa',
  'certificate_expiring',
  'tfa_without_recovery',
  'token_privsep_off',
  'powerful_role_on_root',
  'acl_missing_principal',
  'ldap_without_verify',
  'ldap_plain',
  'self_signed_with_webauthn',
  'token_no_expiry',
  'disabled_user_with_acl',
  'expired_user_with_acl',
  'realm_without_tfa',
  'legacy_password_hash',
] as const;

export type FindingId = (typeof FINDING_IDS)[number];

export const SEVERITIES = ['high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface Finding {
  /** Stable code, one of {@link FINDING_IDS}. */
  readonly id: FindingId;
  readonly severity: Severity;
  readonly title: string;
  /** What was found, naming each object and why it matters. */
  readonly detail: string;
  /** User, group (`@name`), token, realm ids, or the certificate subject; sorted. */
  readonly objects: readonly string[];
  readonly fix: string;
}

/** The HTTPS certificate the server presents, as far as the audit needs it. */
export interface CertificateFacts {
  readonly selfSigned: boolean;
  readonly subject: string;
  /** Unix time (seconds) after which the certificate is no longer valid. */
  readonly notAfter: number;
}

export interface AuditContext {
  /** Unix time in seconds. */
  readonly now: number;
  /** The HTTPS certificate, when known; certificate checks are skipped without it. */
  readonly certificate?: CertificateFacts;
  /** WebAuthn is offered to users (whether or not anyone has registered a key yet). */
  readonly webauthnEnabled?: boolean;
  /** How many principals may hold an all-powerful role on `/` (default {@link DEFAULT_POWERFUL_PRINCIPALS}). */
  readonly powerfulPrincipals?: number;
  /** The Proxmox directory the store writes live (`pve-dir:`), whose shadow.cfg stays crypt(3). */
  readonly liveProxmoxDir?: string;
}

/** Break-glass accounts plus a spare: more than this many holders of Administrator on `/` is flagged. */
export const DEFAULT_POWERFUL_PRINCIPALS = 3;

/** A certificate that ends within this many seconds is flagged (30 days). */
export const CERTIFICATE_WARNING_SECONDS = 30 * 86_400;

/**
 * Privileges that let a holder on `/` take over the whole cluster (change ACLs, users,
 * realms or the system), which is why such accounts need a second factor.
 */
const POWERFUL_PRIVILEGES: readonly Privilege[] = [
  'Permissions.Modify',
  'User.Modify',
  'Sys.Modify',
  'Realm.Allocate',
];

/** Roles that grant (nearly) everything; roles with Permissions.Modify count as well. */
const ALL_POWERFUL_ROLES: ReadonlySet<string> = new Set([ADMINISTRATOR, 'PVEAdmin']);

const SEVERITY_RANK: Readonly<Record<Severity, number>> = { high: 0, medium: 1, low: 2, info: 3 };

/** Whether any finding is serious enough to fail a check run (medium or higher). */
export function hasSeriousFindings(findings: readonly Finding[]): boolean {
  return findings.some((f) => SEVERITY_RANK[f.severity] <= SEVERITY_RANK.medium);
}

/**
 * Runs every check on `snapshot`; findings come most severe first, in checklist order
 * within a severity, each with its objects sorted.
 *
 * @example
 * const findings = auditConfiguration(live.snapshot, { now: Math.floor(Date.now() / 1000) });
 * if (hasSeriousFindings(findings)) process.exitCode = 1;
 */
export function auditConfiguration(snapshot: AccessSnapshot, context: AuditContext): Finding[] {
  const engine = PermissionEngine.compile(snapshot.users);
  const checks: (() => Finding | Finding[] | undefined)[] = [
    () => adminWithoutTfa(snapshot, engine, context.now),
    () => rootWithoutTfa(snapshot, context.now),
    () => certificateExpiring(context),
    () => tfaWithoutRecovery(snapshot),
    () => tokenPrivsepOff(snapshot),
    () => powerfulRoleOnRoot(snapshot, context.powerfulPrincipals ?? DEFAULT_POWERFUL_PRINCIPALS),
    () => aclMissingPrincipal(snapshot),
    () => ldapWithoutVerify(snapshot),
    () => ldapPlain(snapshot),
    () => selfSignedWithWebauthn(snapshot, context),
    () => tokenNoExpiry(snapshot),
    () => userWithAcl(snapshot, 'disabled', context.now),
    () => userWithAcl(snapshot, 'expired', context.now),
    () => realmWithoutTfa(snapshot),
    () => legacyPasswordHash(snapshot, context.liveProxmoxDir),
  ];
  const findings = checks.flatMap((check) => {
    const result = check();
    return result === undefined ? [] : Array.isArray(result) ? result : [result];
  });
  // Array.prototype.sort is stable: checklist order survives within a severity.
  return findings.sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]);
}

/** Reads a PEM or DER certificate; self-signed means issued by itself and signed by its own key. */
export function inspectCertificate(data: string | Buffer): CertificateFacts {
  const cert = new X509Certificate(data);
  const notAfter = Math.floor(Date.parse(cert.validTo) / 1000);
  if (!Number.isFinite(notAfter))
    throw new Error(`certificate validTo: expected a date, got '${cert.validTo}'`);
  return {
    selfSigned: cert.issuer === cert.subject && cert.verify(cert.publicKey),
    subject: cert.subject.split('\n').join(', '),
    notAfter,
  };
}

// ---------------------------------------------------------------------------------------
// Helpers

function finding(
  id: FindingId,
  severity: Severity,
  objects: Iterable<string>,
  text: { title: string; detail: string; fix: string },
): Finding {
  const { title, detail, fix } = text;
  return {
    id,
    severity,
    title,
    detail,
    objects: [...new Set(objects)].sort(compareCodePoints),
    fix,
  };
}

/** Only enabled TOTP, WebAuthn, Yubico or U2F entries stop a password-only login; recovery keys do not. */
function hasEnabledFactor(tfa: TfaUser | undefined): boolean {
  if (!tfa) return false;
  return [...tfa.totp, ...tfa.webauthn, ...tfa.yubico, ...tfa.u2f].some((e) => e.info.enable);
}

function realmOf(snapshot: AccessSnapshot, userid: UserId): RealmConfig | undefined {
  return snapshot.domains.realms.get(splitUserId(userid).realm);
}

/** A realm with `tfa=type=...` refuses logins without its second factor. */
function realmEnforcesTfa(realm: RealmConfig | undefined): boolean {
  const option = realm?.options.get('tfa');
  return typeof option === 'string' && option !== '';
}

function isExpired(user: User, now: number): boolean {
  return user.expire > 0 && user.expire < now;
}

/** Accounts that can log in at all: the others cannot be taken over with a password. */
function canLogIn(user: User, now: number): boolean {
  return user.enable && !isExpired(user, now);
}

function list(items: readonly string[]): string {
  return items.join('; ');
}

/** One ACL entry, its member written as user.cfg writes it (groups with a leading `@`). */
interface AclEntry {
  readonly path: string;
  readonly member: string;
  readonly roles: RoleAssignments;
  /** Whether the user, group or token the entry names exists. */
  readonly exists: boolean;
  /** The account, for entries of existing users. */
  readonly user?: User;
}

function* aclEntries(snapshot: AccessSnapshot): Generator<AclEntry> {
  const { users, groups, tokens } = snapshot.users;
  for (const [path, node] of snapshot.users.acl) {
    for (const [userid, roles] of node.users) {
      const user = users.get(userid);
      yield { path, member: userid, roles, exists: user !== undefined, ...(user ? { user } : {}) };
    }
    for (const [groupid, roles] of node.groups)
      yield { path, member: `@${groupid}`, roles, exists: groups.has(groupid) };
    for (const [tokenid, roles] of node.tokens)
      yield { path, member: tokenid, roles, exists: tokens.has(tokenid) };
  }
}

function groupBy(pairs: Iterable<[string, string]>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [key, value] of pairs) {
    const values = out.get(key) ?? [];
    if (!values.includes(value)) values.push(value);
    out.set(key, values);
  }
  return out;
}

function sortedEntries(map: ReadonlyMap<string, string[]>): [string, string[]][] {
  return [...map]
    .sort(([a], [b]) => compareCodePoints(a, b))
    .map(([key, values]) => [key, [...values].sort(compareCodePoints)]);
}

// ---------------------------------------------------------------------------------------
// Second factors

function adminWithoutTfa(
  snapshot: AccessSnapshot,
  engine: PermissionEngine,
  now: number,
): Finding | undefined {
  const found: [string, string][] = [];
  for (const user of snapshot.users.users.values()) {
    // root@pam has its own check; accounts that cannot log in are not a login risk.
    if (user.userid === ROOT_USERID || !canLogIn(user, now)) continue;
    const realm = realmOf(snapshot, user.userid);
    // Why: OpenID logins have no second-factor step here; the identity provider owns MFA.
    if (realm?.type === 'openid' || realmEnforcesTfa(realm)) continue;
    if (hasEnabledFactor(snapshot.tfa.users.get(user.userid))) continue;
    const held = engine.privileges(user.userid, ROOT_ACL_PATH);
    const powerful = POWERFUL_PRIVILEGES.filter((p) => held.has(p));
    if (powerful.length > 0) found.push([user.userid, powerful.join(', ')]);
  }
  if (found.length === 0) return undefined;
  found.sort(([a], [b]) => compareCodePoints(a, b));
  return finding(
    'admin_without_tfa',
    'high',
    found.map(([userid]) => userid),
    {
      title: 'Administrators without a second factor',
      detail:
        'These users can change permissions, users, realms or the system on / and log in ' +
        `with a password alone: ${list(found.map(([u, p]) => `${u} (${p})`))}.`,
      fix:
        'Have each user add TOTP or WebAuthn (web interface: My account, or POST ' +
        "/access/tfa/{userid}), or set 'tfa type=oath' on their realm so that none can log " +
        'in without one.',
    },
  );
}

function rootWithoutTfa(snapshot: AccessSnapshot, now: number): Finding | undefined {
  const root = snapshot.users.users.get(ROOT_USERID);
  if (!root || !canLogIn(root, now)) return undefined;
  if (realmEnforcesTfa(realmOf(snapshot, ROOT_USERID))) return undefined;
  if (hasEnabledFactor(snapshot.tfa.users.get(ROOT_USERID))) return undefined;
  return finding('root_without_tfa', 'high', [ROOT_USERID], {
    title: 'root@pam without a second factor',
    detail: 'root@pam holds every privilege everywhere, and its system password alone logs it in.',
    fix:
      "Add TOTP or WebAuthn for root@pam (and recovery keys), or set 'tfa type=oath' on the " +
      'pam realm; or disable root@pam and administer through named accounts.',
  });
}

function tfaWithoutRecovery(snapshot: AccessSnapshot): Finding | undefined {
  const found: string[] = [];
  for (const [userid, tfa] of snapshot.tfa.users) {
    if (!snapshot.users.users.has(userid) || !hasEnabledFactor(tfa)) continue;
    const left = tfa.recovery?.entries.filter((k) => k !== null).length ?? 0;
    if (left === 0) found.push(userid);
  }
  if (found.length === 0) return undefined;
  return finding('tfa_without_recovery', 'medium', found, {
    title: 'Second factors without recovery keys',
    detail:
      'These users have second factors but no unused recovery key: a lost device locks ' +
      `them out until an administrator removes their factors: ${found.sort(compareCodePoints).join(', ')}.`,
    fix:
      'Have each user generate recovery keys (POST /access/tfa/{userid} type=recovery, or ' +
      'My account in the web interface) and keep them offline.',
  });
}

// ---------------------------------------------------------------------------------------
// API tokens

function tokenPrivsepOff(snapshot: AccessSnapshot): Finding | undefined {
  const found = [...snapshot.users.tokens.values()].filter((t) => !t.privsep).map((t) => t.tokenid);
  if (found.length === 0) return undefined;
  return finding('token_privsep_off', 'medium', found, {
    title: 'API tokens without privilege separation',
    detail:
      'These tokens act with every privilege of their owner, so a leaked secret is as ' +
      `good as the owner's password and second factor: ${found.sort(compareCodePoints).join(', ')}.`,
    fix:
      'Turn privilege separation on (PUT /access/users/{userid}/token/{tokenid} privsep=1) ' +
      'and grant each token only the ACL entries it needs.',
  });
}

function tokenNoExpiry(snapshot: AccessSnapshot): Finding | undefined {
  const found = [...snapshot.users.tokens.values()]
    .filter((t) => t.expire === 0)
    .map((t) => t.tokenid);
  if (found.length === 0) return undefined;
  return finding('token_no_expiry', 'low', found, {
    title: 'API tokens that never expire',
    detail: `These tokens stay valid until someone deletes them: ${found.sort(compareCodePoints).join(', ')}.`,
    fix: 'Set an expiry (expire=<Unix time>) and rotate each token before it is reached.',
  });
}

// ---------------------------------------------------------------------------------------
// ACL

function isAllPowerful(snapshot: AccessSnapshot, role: RoleId): boolean {
  if (ALL_POWERFUL_ROLES.has(role)) return true;
  return rolePrivileges(snapshot.users, role)?.has('Permissions.Modify') ?? false;
}

function powerfulRoleOnRoot(snapshot: AccessSnapshot, limit: number): Finding | undefined {
  const holders = new Map<string, string[]>();
  for (const entry of aclEntries(snapshot)) {
    if (entry.path !== '/') continue;
    const powerful = [...entry.roles.keys()].filter((r) => isAllPowerful(snapshot, r));
    if (powerful.length > 0) holders.set(entry.member, powerful);
  }
  if (holders.size <= limit) return undefined;
  const described = sortedEntries(holders).map(([name, roles]) => `${name} (${roles.join(', ')})`);
  return finding('powerful_role_on_root', 'medium', holders.keys(), {
    title: 'Too many principals with an all-powerful role on /',
    detail:
      `${String(holders.size)} principals (more than ${String(limit)}) hold Administrator, ` +
      `PVEAdmin or a role with Permissions.Modify on /: ${list(described)}.`,
    fix:
      'Grant narrower roles where they are needed (PVEVMAdmin on /vms, say) and keep the ' +
      'all-powerful roles on / for a few break-glass accounts.',
  });
}

function aclMissingPrincipal(snapshot: AccessSnapshot): Finding | undefined {
  const missing = groupBy(
    [...aclEntries(snapshot)]
      .filter((e) => !e.exists)
      .map((e): [string, string] => [e.member, e.path]),
  );
  if (missing.size === 0) return undefined;
  const described = sortedEntries(missing).map(([name, paths]) => `${name} on ${paths.join(', ')}`);
  return finding('acl_missing_principal', 'medium', missing.keys(), {
    title: 'ACL entries for users, groups or tokens that do not exist',
    detail:
      'Whoever is created later under one of these names receives the access at once: ' +
      `${list(described)}.`,
    fix:
      'Delete the entries (PUT /access/acl with delete=1, or the ACL page of the web ' +
      'interface), or create the principal on purpose.',
  });
}

function userWithAcl(
  snapshot: AccessSnapshot,
  state: 'disabled' | 'expired',
  now: number,
): Finding | undefined {
  const concerned = (user: User): boolean =>
    // A disabled account is reported as disabled only, whatever its expiry.
    state === 'disabled' ? !user.enable : user.enable && isExpired(user, now);
  const held = groupBy(
    [...aclEntries(snapshot)]
      .filter((e) => e.user !== undefined && concerned(e.user))
      .map((e): [string, string] => [e.member, e.path]),
  );
  if (held.size === 0) return undefined;
  const described = sortedEntries(held).map(([name, paths]) => `${name} on ${paths.join(', ')}`);
  return finding(`${state}_user_with_acl`, 'low', held.keys(), {
    title: `${state === 'disabled' ? 'Disabled' : 'Expired'} users still holding ACL entries`,
    detail:
      `${state === 'disabled' ? 'Enabling' : 'Extending'} one of these accounts again would ` +
      `restore its access at once: ${list(described)}.`,
    fix: "Remove the users' ACL entries, or delete the users if they have left.",
  });
}

// ---------------------------------------------------------------------------------------
// Realms and passwords

function realmWithoutTfa(snapshot: AccessSnapshot): Finding[] {
  const local: string[] = [];
  const directory: string[] = [];
  for (const realm of snapshot.domains.realms.values()) {
    if (realmEnforcesTfa(realm)) continue;
    if (realm.type === 'pam' || realm.type === 'pve') local.push(realm.realm);
    else if (realm.type === 'ldap' || realm.type === 'ad') directory.push(realm.realm);
  }
  const fix =
    "Set 'tfa type=oath' (or type=yubico) on the realm if every user of it should need a " +
    'second factor; users can still add their own factors without it.';
  const out: Finding[] = [];
  if (directory.length > 0)
    out.push(
      finding('realm_without_tfa', 'low', directory, {
        title: 'Directory realms that do not require a second factor',
        detail:
          'A directory password (often the same as for mail and VPN) alone logs in the users ' +
          `of these realms, unless they added a factor themselves: ${directory.sort(compareCodePoints).join(', ')}.`,
        fix,
      }),
    );
  if (local.length > 0)
    out.push(
      finding('realm_without_tfa', 'info', local, {
        title: 'Local realms that do not require a second factor',
        detail: `Second factors are optional for users of: ${local.sort(compareCodePoints).join(', ')}.`,
        fix,
      }),
    );
  return out;
}

/** crypt(3) MD5, SHA-256 and SHA-512: fast hashes, cheap to brute-force if the file leaks. */
const LEGACY_HASH = /^\$(1|5|6)\$/;

function legacyPasswordHash(
  snapshot: AccessSnapshot,
  liveProxmoxDir: string | undefined,
): Finding | undefined {
  const found: string[] = [];
  for (const [name, hash] of snapshot.shadow) {
    const userid = `${name}@pve` as UserId;
    if (snapshot.users.users.has(userid) && LEGACY_HASH.test(hash)) found.push(userid);
  }
  if (found.length === 0) return undefined;
  const users = found.sort(compareCodePoints).join(', ');
  if (liveProxmoxDir !== undefined)
    return finding('legacy_password_hash', 'low', found, {
      title: 'Passwords stored as crypt hashes',
      detail:
        `These pve users have a crypt(3) hash: ${users}. Live on ${liveProxmoxDir}, every pve ` +
        'password is a crypt hash, as Proxmox keeps them in priv/shadow.cfg.',
      fix:
        'Keep priv/shadow.cfg readable by root only and pve passwords long, or move these ' +
        'users to a directory realm; argon2id needs a store of its own (docs/deployment.md).',
    });
  // Why: under sha512-crypt the crypt hashes are chosen, so that Proxmox can verify an export;
  // the advice is then the setting, not a login that would keep the hash.
  if (snapshot.passwordHash === 'sha512-crypt')
    return finding('legacy_password_hash', 'low', found, {
      title: 'Passwords stored as crypt hashes',
      detail:
        `These pve users have a crypt(3) hash: ${users}. The password-hash setting is ` +
        'sha512-crypt, which keeps crypt hashes so that Proxmox can verify an export.',
      fix:
        'If this deployment no longer exports to Proxmox: tessera config set password-hash ' +
        "argon2id; Tessera then replaces each hash with argon2id at its user's next login.",
    });
  return finding('legacy_password_hash', 'low', found, {
    title: 'Passwords stored as crypt hashes',
    detail: `These pve users still have a crypt(3) hash from Proxmox instead of argon2id: ${users}.`,
    fix:
      "Tessera replaces the hash with argon2id at the user's next successful login; or set a " +
      'new password (PUT /access/password).',
  });
}

function directoryRealms(snapshot: AccessSnapshot): RealmConfig[] {
  return [...snapshot.domains.realms.values()].filter((r) => r.type === 'ldap' || r.type === 'ad');
}

function ldapWithoutVerify(snapshot: AccessSnapshot): Finding | undefined {
  const found = directoryRealms(snapshot).filter(
    (r) => ldapMode(r) !== 'ldap' && realmFlag(r, 'verify') !== true,
  );
  if (found.length === 0) return undefined;
  const described = found.map((r) => `${r.realm} (${ldapMode(r)})`).sort(compareCodePoints);
  return finding(
    'ldap_without_verify',
    'medium',
    found.map((r) => r.realm),
    {
      title: "Directory realms that do not check the server's certificate",
      detail:
        'TLS without verification accepts any server: whoever sits on the path receives the ' +
        `users' passwords at login: ${list(described)}.`,
      fix: "Set 'verify 1' (and 'capath' to the directory's CA) on the realm.",
    },
  );
}

function ldapPlain(snapshot: AccessSnapshot): Finding | undefined {
  const found = directoryRealms(snapshot).filter((r) => ldapMode(r) === 'ldap');
  if (found.length === 0) return undefined;
  // Why every plain realm, not only those with a bind_dn: a login binds with the user's own
  // password, so plain LDAP sends it in clear whether or not a service account exists.
  const described = found
    .map((r) => (r.options.has('bind_dn') ? `${r.realm} (and its bind password)` : r.realm))
    .sort(compareCodePoints);
  return finding(
    'ldap_plain',
    'medium',
    found.map((r) => r.realm),
    {
      title: 'Directory realms without TLS',
      detail: `Logins send the users' passwords to the directory in clear text: ${list(described)}.`,
      fix: "Set 'mode ldaps' or 'mode ldap+starttls' with 'verify 1' on the realm.",
    },
  );
}

// ---------------------------------------------------------------------------------------
// Certificate

function selfSignedWithWebauthn(
  snapshot: AccessSnapshot,
  context: AuditContext,
): Finding | undefined {
  const cert = context.certificate;
  if (!cert?.selfSigned) return undefined;
  const users = [...snapshot.tfa.users]
    .filter(([, tfa]) => tfa.webauthn.length + tfa.u2f.length > 0)
    .map(([userid]) => userid as string)
    .sort(compareCodePoints);
  if (users.length === 0 && context.webauthnEnabled !== true) return undefined;
  return finding('self_signed_with_webauthn', 'medium', [cert.subject], {
    title: 'Self-signed certificate with WebAuthn in use',
    detail:
      `The certificate '${cert.subject}' is self-signed, and browsers refuse WebAuthn on a ` +
      'page with a certificate error' +
      (users.length > 0
        ? `; these users have WebAuthn keys: ${users.join(', ')}.`
        : '; WebAuthn is offered to users.'),
    fix:
      'Serve a certificate the browsers trust (tessera serve --cert <file> --key <file>), ' +
      "from ACME or the organisation's CA.",
  });
}

function certificateExpiring(context: AuditContext): Finding | undefined {
  const cert = context.certificate;
  if (!cert || cert.notAfter - context.now > CERTIFICATE_WARNING_SECONDS) return undefined;
  const expired = cert.notAfter <= context.now;
  const when = new Date(cert.notAfter * 1000).toISOString();
  return finding('certificate_expiring', expired ? 'high' : 'medium', [cert.subject], {
    title: expired ? 'Certificate expired' : 'Certificate expires within 30 days',
    detail: expired
      ? `The certificate '${cert.subject}' expired at ${when}: clients refuse the connection.`
      : `The certificate '${cert.subject}' expires at ${when}.`,
    fix: 'Renew the certificate and restart tessera serve with it.',
  });
}
