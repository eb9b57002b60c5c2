/**
 * A real Active Directory domain controller (Samba) on loopback, for tests of `ad` realms.
 *
 * Samba's ports are fixed: LDAP 389, LDAPS 636, Kerberos 88 and 464 (and the global catalog,
 * 3268/3269), on 127.0.0.1 and ::1. So only one instance can run on a host at a time, and it
 * needs root. startSambaAd() refuses clearly when either is not the case.
 *
 * Each instance lives in its own temp dir (removed by destroy()):
 * 1. `samba-tool domain provision` (rfc2307, no DNS, host name DC1, so nothing depends on the
 *    machine's host name) into `<dir>/dc`, about 4 s: most of the start-up time.
 * 2. In parallel, openssl makes a test CA and a P-256 server certificate for DC1.tessera.test
 *    (no IP SAN, like the one Samba generates, so a check against 127.0.0.1 fails), then copied
 *    to `<dir>/dc/private/tls`, where Samba looks for them: Samba's own RSA-4096 generation at
 *    first start would cost another second.
 * 3. A minimal smb.conf replaces the generated one: services ldap, cldap and kdc only, simple
 *    binds allowed without TLS (`ldap server require strong auth = no`), pid and socket dirs in
 *    the temp dir, no shares.
 * 4. One Python process (Samba's own bindings, as samba-tool uses them) relaxes the password
 *    policy (any password, no history, no minimum age), then creates the users (CN
 *    "<givenName> <surname>" under CN=Users, as samba-tool does), disables those marked so,
 *    creates the groups under CN=Users and fills them.
 * 5. `samba -i -M single` runs in the foreground, one process, its output in `<dir>/samba.log`.
 *    Interactive Samba ends when its stdin closes: stop() closes it (Samba is gone within
 *    milliseconds, where SIGTERM takes about two seconds), and a test process that dies
 *    without destroy() takes Samba with it. Ready when an anonymous rootDSE search answers
 *    on 389 and 636 accepts connections.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { chmod, copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'ldapts';
import { cleanUpOnExit, findBinary, listening } from './processes.js';

export interface SambaAdUser {
  /** sAMAccountName; the UPN is `<name>@tessera.test`. */
  name: string;
  password: string;
  givenName: string;
  surname: string;
  mail?: string;
  /** Sets ACCOUNTDISABLE: binds then fail with "data 533". */
  disabled?: boolean;
}

export interface SambaAdGroup {
  /** A global security group CN=<name>,CN=Users,... */
  name: string;
  /** sAMAccountNames of users */
  members: string[];
}

export interface SambaAd {
  readonly realm: 'TESSERA.TEST';
  readonly domain: 'tessera.test';
  readonly baseDn: 'DC=tessera,DC=test';
  /** 'CN=Users,DC=tessera,DC=test': the users and groups of the test. */
  readonly usersDn: string;
  /** 'CN=Administrator,CN=Users,DC=tessera,DC=test' */
  readonly adminDn: string;
  readonly adminPassword: string;
  readonly ldapPort: 389;
  readonly ldapsPort: 636;
  /** The CA of the LDAPS certificate (`<dir>/dc/private/tls/ca.pem`). */
  readonly caFile: string;
  /** The name in the LDAPS certificate, 'DC1.tessera.test' (no IP address in it). */
  readonly certificateHost: string;
  /** The temp dir; Samba's output is in samba.log there. */
  readonly dir: string;
  /** How long the steps of startSambaAd() took, in ms. */
  readonly timings: {
    readonly provision: number;
    readonly populate: number;
    readonly start: number;
  };
  /** The DN of a user created by startSambaAd(), e.g. 'CN=Dave Doe,CN=Users,DC=tessera,DC=test'. */
  userDn(name: string): string;
  /** Stops Samba (closes its stdin, waits for the exit); the data stays, so start() brings it back. */
  stop(): Promise<void>;
  /** Starts Samba again and waits until LDAP answers. */
  start(): Promise<void>;
  /** Stops Samba and removes the temp dir. */
  destroy(): Promise<void>;
}

const REALM = 'TESSERA.TEST';
const DOMAIN = 'tessera.test';
const BASE_DN = 'DC=tessera,DC=test';
const HOST = 'DC1';
const LDAP_PORT = 389;
const LDAPS_PORT = 636;
const readyTimeoutMs = 30_000;

/** Runs a command; resolves with its stdout, rejects with `what` and its output on failure. */
function run(
  what: string,
  command: string,
  args: readonly string[],
  input?: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      const stdout = Buffer.concat(out).toString('utf8');
      if (code === 0) {
        resolve(stdout);
        return;
      }
      const output = `${stdout}${Buffer.concat(err).toString('utf8')}`
        .trim()
        .split('\n')
        .slice(-30)
        .join('\n');
      reject(new Error(`${what} failed (${command}: ${String(code ?? signal)})\n${output}`));
    });
    child.stdin.end(input ?? '');
  });
}

/** samba-tool's interpreter: the one that has Samba's Python bindings (not a pyenv shim). */
function sambaPython(sambaTool: string): string {
  const shebang = /^#!\s*(\S+)/.exec(readFileSync(sambaTool, 'utf8').split('\n', 1)[0] ?? '');
  return shebang?.[1] ?? '/usr/bin/python3';
}

async function ldapAnswers(): Promise<boolean> {
  const client = new Client({
    url: `ldap://127.0.0.1:${String(LDAP_PORT)}`,
    timeout: 1000,
    connectTimeout: 1000,
  });
  try {
    await client.search('', { scope: 'base', filter: '(objectClass=*)', attributes: ['1.1'] });
    return true;
  } catch {
    return false;
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

function logTail(log: string): string {
  try {
    return readFileSync(log, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '(no log)';
  }
}

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
subjectAltName = DNS:${HOST}.${DOMAIN}
authorityKeyIdentifier = keyid
`;

/** ca.pem, cert.pem and key.pem in `work`. */
async function makeTls(openssl: string, work: string): Promise<void> {
  await mkdir(work);
  const config = join(work, 'openssl.cnf');
  await writeFile(config, opensslConfig);
  const req = (subject: string, extensions: string, key: string, cert: string, extra: string[]) =>
    run(`making the test certificate ${subject}`, openssl, [
      ...['req', '-x509', '-config', config, '-extensions', extensions, ...extra],
      ...['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '30'],
      ...['-subj', subject, '-keyout', key, '-out', cert],
    ]);
  await req('/CN=Tessera Test Samba CA', 'ca', join(work, 'ca.key'), join(work, 'ca.pem'), []);
  await req(
    `/O=Tessera Test/CN=${HOST}.${DOMAIN}`,
    'server',
    join(work, 'key.pem'),
    join(work, 'cert.pem'),
    ['-CA', join(work, 'ca.pem'), '-CAkey', join(work, 'ca.key')],
  );
}

/** Copies them where Samba looks; the key 0600, or Samba refuses it. */
async function installTls(work: string, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const name of ['ca.pem', 'cert.pem', 'key.pem'])
    await copyFile(join(work, name), join(dir, name));
  await chmod(join(dir, 'key.pem'), 0o600);
}

function smbConf(dc: string): string {
  return `[global]
	netbios name = ${HOST}
	realm = ${REALM}
	workgroup = TESSERA
	server role = active directory domain controller
	server services = ldap, cldap, kdc
	interfaces = lo
	bind interfaces only = yes
	private dir = ${dc}/private
	lock directory = ${dc}
	state directory = ${dc}/state
	cache directory = ${dc}/cache
	binddns dir = ${dc}/bind-dns
	pid directory = ${dc}
	ncalrpc dir = ${dc}/ncalrpc
	idmap_ldb:use rfc2307 = yes
	ldap server require strong auth = no
	tls enabled = yes
	tls keyfile = ${dc}/private/tls/key.pem
	tls certfile = ${dc}/private/tls/cert.pem
	tls cafile = ${dc}/private/tls/ca.pem
`;
}

// Reads {conf, sam, users, groups} as JSON on stdin; prints {users: {name: dn}}.
const populateScript = `
import json, sys
import ldb
from samba.auth import system_session
from samba.param import LoadParm
from samba.samdb import SamDB

spec = json.load(sys.stdin)
lp = LoadParm()
lp.load(spec["conf"])
db = SamDB(url=spec["sam"], session_info=system_session(), lp=lp)
domain = ldb.Dn(db, str(db.domain_dn()))
policy = ldb.Message(domain)
for attr in ("pwdProperties", "minPwdLength", "minPwdAge", "pwdHistoryLength"):
    policy[attr] = ldb.MessageElement("0", ldb.FLAG_MOD_REPLACE, attr)
db.modify(policy)
dns = {}
for user in spec["users"]:
    db.newuser(user["name"], user["password"], useusernameascn=None,
               givenname=user["givenName"], surname=user["surname"],
               mailaddress=user.get("mail"))
    found = "(&(objectClass=user)(sAMAccountName=%s))" % ldb.binary_encode(user["name"])
    if user.get("disabled"):
        db.disable_account(found)
    dns[user["name"]] = str(db.search(domain, ldb.SCOPE_SUBTREE, found, ["1.1"])[0].dn)
for group in spec["groups"]:
    db.newgroup(group["name"])
    if group["members"]:
        db.add_remove_group_members(group["name"], group["members"], add_members_operation=True)
json.dump({"users": dns}, sys.stdout)
`;

export async function startSambaAd(options: {
  users: SambaAdUser[];
  groups: SambaAdGroup[];
}): Promise<SambaAd> {
  const uid = process.getuid?.();
  if (uid !== 0)
    throw new Error(
      `a Samba AD DC needs root (it binds the fixed ports 389, 636 and 88); this test runs as uid ${String(uid)}`,
    );
  const samba = findBinary('samba');
  const sambaTool = findBinary('samba-tool');
  const openssl = findBinary('openssl');
  if (samba === undefined || sambaTool === undefined)
    throw new Error(
      'samba or samba-tool not found (Debian packages samba samba-ad-dc samba-ad-provision samba-dsdb-modules samba-vfs-modules winbind)',
    );
  if (openssl === undefined) throw new Error('openssl not found (Debian package openssl)');
  for (const port of [LDAP_PORT, LDAPS_PORT])
    if (await listening(port))
      throw new Error(
        `127.0.0.1:${String(port)} is already taken (another Samba AD or LDAP server is running; only one Samba AD can run at a time)`,
      );

  const dir = mkdtempSync(join(tmpdir(), 'tessera-samba-'));
  const dc = join(dir, 'dc');
  const conf = join(dc, 'etc', 'smb.conf');
  const log = join(dir, 'samba.log');
  const adminPassword = `Adm-${randomBytes(8).toString('hex')}-9!`;
  const userDns = new Map<string, string>();
  const timings = { provision: 0, populate: 0, start: 0 };
  let child: ChildProcess | undefined;

  const running = (): boolean => child?.exitCode === null && child.signalCode === null;

  const cleanup = (): void => {
    if (running()) child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  const cancelCleanup = cleanUpOnExit(cleanup);

  const launch = async (): Promise<void> => {
    if (running()) throw new Error('samba is already running');
    const out = openSync(log, 'a');
    try {
      // stdin stays open: interactive Samba ends when it closes (stop(), or this process dying).
      const started = spawn(samba, ['-s', conf, '-i', '-M', 'single'], {
        stdio: ['pipe', out, out],
      });
      child = started;
      // A forgotten destroy() must not keep the test file alive; the exit hook still kills it.
      started.unref();
      (started.stdin as unknown as { unref(): void } | null)?.unref();
      started.stdin?.on('error', () => undefined);
    } finally {
      closeSync(out);
    }
    const deadline = Date.now() + readyTimeoutMs;
    for (;;) {
      if (!running()) throw new Error(`samba exited at start\n${logTail(log)}`);
      if ((await ldapAnswers()) && (await listening(LDAPS_PORT))) return;
      if (Date.now() > deadline)
        throw new Error(
          `samba's LDAP not answering after ${String(readyTimeoutMs)} ms\n${logTail(log)}`,
        );
      await sleep(25);
    }
  };

  const stop = async (): Promise<void> => {
    const current = child;
    if (current === undefined || !running()) return;
    // The unref'd child alone would let the event loop run dry before 'exit' arrives.
    current.ref();
    const exited = once(current, 'exit');
    current.stdin?.end();
    const slow = setTimeout(() => current.kill('SIGKILL'), 10_000);
    try {
      await exited;
    } finally {
      clearTimeout(slow);
    }
  };

  const destroy = async (): Promise<void> => {
    cancelCleanup();
    await stop();
    await rm(dir, { recursive: true, force: true });
  };

  try {
    let t = Date.now();
    await Promise.all([
      run('samba-tool domain provision', sambaTool, [
        ...['domain', 'provision', '--quiet', '--use-rfc2307', '--server-role=dc'],
        ...[`--realm=${REALM}`, '--domain=TESSERA', `--host-name=${HOST}`],
        ...['--dns-backend=NONE', `--adminpass=${adminPassword}`, `--targetdir=${dc}`],
        ...['--option=interfaces=lo', '--option=bind interfaces only=yes'],
      ]),
      makeTls(openssl, join(dir, 'tls')),
    ]);
    // After the provision, which makes (and may clean) the private dir.
    await installTls(join(dir, 'tls'), join(dc, 'private', 'tls'));
    await writeFile(conf, smbConf(dc));
    timings.provision = Date.now() - t;

    t = Date.now();
    const populated = JSON.parse(
      await run(
        'creating the users and groups',
        sambaPython(sambaTool),
        ['-c', populateScript],
        JSON.stringify({
          conf,
          sam: join(dc, 'private', 'sam.ldb'),
          users: options.users,
          groups: options.groups,
        }),
      ),
    ) as { users: Record<string, string> };
    for (const [name, dn] of Object.entries(populated.users)) userDns.set(name, dn);
    timings.populate = Date.now() - t;

    t = Date.now();
    await launch();
    timings.start = Date.now() - t;
  } catch (error) {
    await destroy();
    throw error;
  }

  return {
    realm: REALM,
    domain: DOMAIN,
    baseDn: BASE_DN,
    usersDn: `CN=Users,${BASE_DN}`,
    adminDn: `CN=Administrator,CN=Users,${BASE_DN}`,
    adminPassword,
    ldapPort: LDAP_PORT,
    ldapsPort: LDAPS_PORT,
    caFile: join(dc, 'private', 'tls', 'ca.pem'),
    certificateHost: `${HOST}.${DOMAIN}`,
    dir,
    timings,
    userDn(name) {
      const dn = userDns.get(name);
      if (dn === undefined) throw new Error(`no user '${name}' was created`);
      return dn;
    },
    stop,
    start: launch,
    destroy,
  };
}
