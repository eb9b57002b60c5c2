/**
 * A private OpenLDAP server (slapd) on loopback ports, for tests of the ldap and ad realms.
 *
 * Each instance lives in its own temp dir: a cn=config-less slapd.conf, an mdb database, and
 * TLS files made with openssl (a test CA, a server certificate with the SANs DNS:localhost and
 * IP:127.0.0.1, and an unrelated second CA for "wrong CA" tests). slapd runs in the foreground
 * (`-d none`: errors only; set TESSERA_SLAPD_DEBUG=stats for a connection log) with its output
 * in `<dir>/slapd.log`, which start errors quote.
 *
 * Directory layout (suffix dc=example,dc=com):
 * - ou=people: users, inetOrgPerson plus an AD-style auxiliary class `adUser` (sAMAccountName,
 *   userPrincipalName, memberOf, userAccountControl), so the same directory serves an "ad"-like
 *   realm that searches by sAMAccountName. sAMAccountName defaults to the uid, and
 *   userPrincipalName is `<sAMAccountName>@example.com`. userAccountControl is 512, or 514 when
 *   `disabled`; slapd itself ignores it, so a disabled user can still bind.
 * - ou=groups: groupOfNames with member = user DNs. groupOfNames needs at least one member, so a
 *   group without members holds the admin DN (which has no entry and is not under ou=people) as
 *   a placeholder.
 * - ou=services: cn=tessera, the bind account for realms (read access to people and groups).
 * The memberof overlay keeps memberOf on users current; all entries are added over LDAP after
 * start, because the overlay acts only on live writes.
 *
 * Access: userPassword can be written by its owner, used for binds, and is invisible otherwise.
 * Everything else is readable by any bound user (and so by the service account). Anonymous
 * clients see nothing: an anonymous search below the suffix or an ou succeeds with no entries
 * (they may search from those bases, but read no attribute and no other entry), which makes a
 * realm without bind_dn observable as "user not found"; `anonymousRead` lets them read
 * everything but passwords, as directories that allow anonymous searches do. The rootdn
 * (admin) bypasses the ACLs.
 *
 * `addEntry` adds any entry as the rootdn, for layouts other than ou=people (nested OUs, users
 * of other classes, a `userPassword` made by `ssha`).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Attribute, Change, Client, escapeFilter } from 'ldapts';
import { cleanUpOnExit, findBinary, listening } from './processes.js';
import { freePort } from './serve.js';

export interface LdapUser {
  uid: string;
  password: string;
  /** Defaults to the uid. */
  cn?: string;
  /** Defaults to the cn. */
  sn?: string;
  givenName?: string;
  mail?: string;
  /** AD-style login name; defaults to the uid. */
  sAMAccountName?: string;
  /** Sets userAccountControl to 514 (ACCOUNTDISABLE) instead of 512; slapd does not enforce it. */
  disabled?: boolean;
}

export interface LdapGroup {
  cn: string;
  /** uids of users under ou=people */
  members: string[];
}

export interface Slapd {
  /** 'dc=example,dc=com' */
  readonly baseDn: string;
  /** 'cn=admin,dc=example,dc=com', the rootdn */
  readonly adminDn: string;
  readonly adminPassword: string;
  /** 'cn=tessera,ou=services,dc=example,dc=com', with read access to people and groups */
  readonly serviceDn: string;
  readonly servicePassword: string;
  /** ldap:// and StartTLS on 127.0.0.1 */
  readonly port: number;
  /** ldaps:// on 127.0.0.1 */
  readonly ldapsPort: number;
  /** The CA that signed the server certificate (SAN DNS:localhost, IP:127.0.0.1). */
  readonly caFile: string;
  /** An unrelated CA, for "wrong CA" tests. */
  readonly otherCaFile: string;
  /** 'ou=people,dc=example,dc=com' */
  readonly peopleDn: string;
  /** 'ou=groups,dc=example,dc=com' */
  readonly groupsDn: string;
  /** The temp dir; slapd's output is in slapd.log there. */
  readonly dir: string;
  userDn(uid: string): string;
  groupDn(cn: string): string;
  addUser(user: LdapUser): Promise<void>;
  /** Adds any entry as the rootdn. */
  addEntry(dn: string, attributes: Record<string, string | string[]>): Promise<void>;
  /** Removes the user from its groups (leaving the placeholder in emptied ones), then deletes it. */
  removeUser(uid: string): Promise<void>;
  setPassword(uid: string, password: string): Promise<void>;
  addGroup(group: LdapGroup): Promise<void>;
  setGroupMembers(cn: string, members: string[]): Promise<void>;
  removeGroup(cn: string): Promise<void>;
  /** Stops slapd (SIGTERM, waits for the exit); the data stays, so start() brings it back. */
  stop(): Promise<void>;
  /** Starts slapd again on the same ports and waits until both listen. */
  start(): Promise<void>;
  /** Stops slapd and removes the temp dir. */
  destroy(): Promise<void>;
}

const suffix = 'dc=example,dc=com';
const domain = 'example.com';
const readyTimeoutMs = 10_000;
const execFileAsync = promisify(execFile);

/** Escapes a value for use in an RDN (RFC 4514). */
function rdnValue(value: string): string {
  return value
    .replace(/[\\,+"<>;=]/g, (c) => `\\${c}`)
    .replace(/^[ #]/, (c) => `\\${c}`)
    .replace(/ $/, '\\ ');
}

/** {SSHA} as slappasswd makes it: base64(sha1(password + salt) + salt). */
export function ssha(password: string): string {
  const salt = randomBytes(8);
  const digest = createHash('sha1').update(password).update(salt).digest();
  return `{SSHA}${Buffer.concat([digest, salt]).toString('base64')}`;
}

// sAMAccountName and userPrincipalName need an EQUALITY rule, which Debian's msuser.schema
// lacks; that schema also clashes with the memberof overlay. memberOf is defined here before
// the overlay loads, which then uses this definition (a user attribute, returned with '*').
const adSchema = `
attributetype ( 1.2.840.113556.1.4.221 NAME 'sAMAccountName'
  EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.656 NAME 'userPrincipalName'
  EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.2.102 NAME 'memberOf'
  EQUALITY distinguishedNameMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.12 )
attributetype ( 1.2.840.113556.1.4.8 NAME 'userAccountControl'
  EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
objectclass ( 1.3.6.1.4.1.99999.1.1 NAME 'adUser' SUP top AUXILIARY
  MAY ( sAMAccountName $ userPrincipalName $ memberOf $ userAccountControl ) )
`;

const opensslConfig = `
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
authorityKeyIdentifier = keyid
`;

async function makeTls(openssl: string, dir: string): Promise<void> {
  const config = join(dir, 'openssl.cnf');
  await writeFile(config, opensslConfig);
  // P-256 keys: RSA key generation would cost most of the start-up time.
  const req = (name: string, subject: string, extensions: string, extra: string[] = []) =>
    execFileAsync(openssl, [
      ...['req', '-x509', '-config', config, '-extensions', extensions, ...extra],
      ...['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '30'],
      ...['-subj', subject, '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.crt`)],
    ]);
  await Promise.all([
    req('ca', '/CN=Tessera Test LDAP CA', 'ca'),
    req('other-ca', '/CN=Tessera Unrelated CA', 'ca'),
  ]);
  await req('server', '/CN=localhost', 'server', [
    '-CA',
    join(dir, 'ca.crt'),
    '-CAkey',
    join(dir, 'ca.key'),
  ]);
}

function slapdConfig(
  dir: string,
  adminPassword: string,
  serviceDn: string,
  anonymousRead: boolean,
): string {
  const quote = (path: string): string => `"${path}"`;
  return `
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include ${quote(join(dir, 'ad.schema'))}
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
pidfile ${quote(join(dir, 'slapd.pid'))}
argsfile ${quote(join(dir, 'slapd.args'))}
TLSCACertificateFile ${quote(join(dir, 'tls', 'ca.crt'))}
TLSCertificateFile ${quote(join(dir, 'tls', 'server.crt'))}
TLSCertificateKeyFile ${quote(join(dir, 'tls', 'server.key'))}

database mdb
maxsize 104857600
dbnosync
suffix "${suffix}"
rootdn "cn=admin,${suffix}"
rootpw ${ssha(adminPassword)}
directory ${quote(join(dir, 'db'))}
index objectClass,uid,cn,member,mail,sAMAccountName,userPrincipalName eq
overlay memberof

access to dn.base="" by * read
access to dn.base="cn=Subschema" by * read
access to attrs=userPassword
  by self write
  by anonymous auth
  by * none
access to dn.regex="^(ou=[^,]+,)?${suffix}$" attrs=entry
  by users read
  by * search
access to dn.subtree="${suffix}"
  by dn.exact="${serviceDn}" read
  by users read
  by * ${anonymousRead ? 'read' : 'none'}
`;
}

function logTail(log: string): string {
  try {
    return readFileSync(log, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '(no log)';
  }
}

async function twoPorts(): Promise<[number, number]> {
  const first = await freePort();
  for (;;) {
    const second = await freePort();
    if (second !== first) return [first, second];
  }
}

export async function startSlapd(
  options: { users?: LdapUser[]; groups?: LdapGroup[]; anonymousRead?: boolean } = {},
): Promise<Slapd> {
  const binary = findBinary('slapd');
  const openssl = findBinary('openssl');
  if (binary === undefined) throw new Error('slapd not found (Debian package slapd)');
  if (openssl === undefined) throw new Error('openssl not found (Debian package openssl)');

  const dir = mkdtempSync(join(tmpdir(), 'tessera-slapd-'));
  const log = join(dir, 'slapd.log');
  const adminDn = `cn=admin,${suffix}`;
  const adminPassword = `admin-${randomBytes(6).toString('hex')}`;
  const serviceDn = `cn=tessera,ou=services,${suffix}`;
  const servicePassword = `service-${randomBytes(6).toString('hex')}`;
  const peopleDn = `ou=people,${suffix}`;
  const groupsDn = `ou=groups,${suffix}`;
  const [port, ldapsPort] = await twoPorts();
  const conf = join(dir, 'slapd.conf');
  let child: ChildProcess | undefined;

  const running = (): boolean => child?.exitCode === null && child.signalCode === null;

  const cleanup = (): void => {
    if (running()) child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  const cancelCleanup = cleanUpOnExit(cleanup);

  const launch = async (): Promise<void> => {
    if (running()) throw new Error('slapd is already running');
    const out = openSync(log, 'a');
    try {
      const urls = `ldap://127.0.0.1:${port}/ ldaps://127.0.0.1:${ldapsPort}/`;
      const debug = process.env['TESSERA_SLAPD_DEBUG'] ?? 'none';
      child = spawn(binary, ['-f', conf, '-h', urls, '-d', debug], {
        stdio: ['ignore', out, out],
      });
      // A forgotten destroy() must not keep the test file alive; the exit hook still kills it.
      child.unref();
    } finally {
      closeSync(out);
    }
    const deadline = Date.now() + readyTimeoutMs;
    for (;;) {
      if (!running()) throw new Error(`slapd exited at start\n${logTail(log)}`);
      if ((await listening(port)) && (await listening(ldapsPort))) return;
      if (Date.now() > deadline) {
        throw new Error(`slapd not listening after ${readyTimeoutMs} ms\n${logTail(log)}`);
      }
      await sleep(10);
    }
  };

  const stop = async (): Promise<void> => {
    const current = child;
    if (current === undefined || !running()) return;
    // The unref'd child alone would let the event loop run dry before 'exit' arrives.
    current.ref();
    const exited = once(current, 'exit');
    current.kill('SIGTERM');
    await exited;
  };

  const destroy = async (): Promise<void> => {
    cancelCleanup();
    await stop();
    await rm(dir, { recursive: true, force: true });
  };

  const asAdmin = async <T>(work: (client: Client) => Promise<T>): Promise<T> => {
    const client = new Client({
      url: `ldap://127.0.0.1:${port}`,
      timeout: 5000,
      connectTimeout: 2000,
    });
    try {
      await client.bind(adminDn, adminPassword);
      return await work(client);
    } finally {
      await client.unbind().catch(() => undefined);
    }
  };

  const userDn = (uid: string): string => `uid=${rdnValue(uid)},${peopleDn}`;
  const groupDn = (cn: string): string => `cn=${rdnValue(cn)},${groupsDn}`;
  const memberDns = (uids: readonly string[]): string[] =>
    uids.length === 0 ? [adminDn] : uids.map(userDn);
  const replace = (type: string, values: string[]): Change =>
    new Change({ operation: 'replace', modification: new Attribute({ type, values }) });

  const addUser = (user: LdapUser): Promise<void> =>
    asAdmin(async (client) => {
      const cn = user.cn ?? user.uid;
      const sam = user.sAMAccountName ?? user.uid;
      const attributes: Record<string, string | string[]> = {
        objectClass: ['top', 'person', 'organizationalPerson', 'inetOrgPerson', 'adUser'],
        uid: user.uid,
        cn,
        sn: user.sn ?? cn,
        userPassword: ssha(user.password),
        sAMAccountName: sam,
        userPrincipalName: `${sam}@${domain}`,
        userAccountControl: user.disabled === true ? '514' : '512',
      };
      if (user.givenName !== undefined) attributes['givenName'] = user.givenName;
      if (user.mail !== undefined) attributes['mail'] = user.mail;
      await client.add(userDn(user.uid), attributes);
    });

  const addGroup = (group: LdapGroup): Promise<void> =>
    asAdmin((client) =>
      client.add(groupDn(group.cn), {
        objectClass: ['top', 'groupOfNames'],
        cn: group.cn,
        member: memberDns(group.members),
      }),
    );

  const addEntry = (dn: string, attributes: Record<string, string | string[]>): Promise<void> =>
    asAdmin((client) => client.add(dn, attributes));

  const slapd: Slapd = {
    baseDn: suffix,
    adminDn,
    adminPassword,
    serviceDn,
    servicePassword,
    port,
    ldapsPort,
    caFile: join(dir, 'tls', 'ca.crt'),
    otherCaFile: join(dir, 'tls', 'other-ca.crt'),
    peopleDn,
    groupsDn,
    dir,
    userDn,
    groupDn,
    addUser,
    addEntry,
    async removeUser(uid) {
      const dn = userDn(uid);
      await asAdmin(async (client) => {
        const { searchEntries } = await client.search(groupsDn, {
          scope: 'one',
          filter: escapeFilter`(member=${dn})`,
          attributes: ['member'],
        });
        for (const group of searchEntries) {
          const raw = group['member'] ?? [];
          const members = (Array.isArray(raw) ? raw : [raw]).map(String);
          const rest = members.filter((member) => member.toLowerCase() !== dn.toLowerCase());
          await client.modify(group.dn, replace('member', rest.length > 0 ? rest : [adminDn]));
        }
        await client.del(dn);
      });
    },
    setPassword: (uid, password) =>
      asAdmin((client) => client.modify(userDn(uid), replace('userPassword', [ssha(password)]))),
    addGroup,
    setGroupMembers: (cn, members) =>
      asAdmin((client) => client.modify(groupDn(cn), replace('member', memberDns(members)))),
    removeGroup: (cn) => asAdmin((client) => client.del(groupDn(cn))),
    stop,
    start: launch,
    destroy,
  };

  try {
    await mkdir(join(dir, 'db'));
    await mkdir(join(dir, 'tls'));
    await Promise.all([
      makeTls(openssl, join(dir, 'tls')),
      writeFile(join(dir, 'ad.schema'), adSchema),
      writeFile(conf, slapdConfig(dir, adminPassword, serviceDn, options.anonymousRead === true)),
    ]);
    await launch();
    await asAdmin(async (client) => {
      await client.add(suffix, {
        objectClass: ['top', 'dcObject', 'organization'],
        dc: 'example',
        o: 'Example',
      });
      for (const ou of ['people', 'groups', 'services']) {
        await client.add(`ou=${ou},${suffix}`, { objectClass: 'organizationalUnit', ou });
      }
      await client.add(serviceDn, {
        objectClass: ['organizationalRole', 'simpleSecurityObject'],
        cn: 'tessera',
        userPassword: ssha(servicePassword),
      });
    });
    for (const user of options.users ?? []) await addUser(user);
    for (const group of options.groups ?? []) await addGroup(group);
  } catch (error) {
    await destroy();
    throw error;
  }
  return slapd;
}
