/**
 * `runDoctor` with an injected clock and probes: every check's ok, warn and fail paths, on
 * a memory store set up by the services (bootstrap: root@pam and admin@pve), heartbeats and
 * events written as the nodes write them, and certificates made with openssl.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { TesseraError } from '../errors.js';
import { parseAclPath } from '../model/acl-path.js';
import { parseRealmId, parseRoleId, parseUserId, type UserId } from '../model/ids.js';
import type { TfaUser } from '../model/tfa.js';
import { AuthFailure } from '../errors.js';
import { modifyAcl } from '../services/acl.js';
import { bootstrap } from '../services/bootstrap.js';
import { storeContext, type ServiceContext } from '../services/context.js';
import { createRealm } from '../services/realms.js';
import { createRole } from '../services/roles.js';
import { createUser, deleteUser, setPasswordHash, updateUser } from '../services/users.js';
import { encodeTfaUser, KEYS } from '../store/codec.js';
import type { ConfigStore } from '../store/config-store.js';
import { MemoryStore } from '../store/memory.js';
import {
  exitStatus,
  renderDoctorText,
  runDoctor,
  type DoctorCheck,
  type DoctorContext,
  type DoctorProbes,
  type DoctorReport,
} from './doctor.js';
import type { AuthEvent } from '../model/events.js';
import { eventKey } from '../store/event-keys.js';
import { NODE_PREFIX, type Heartbeat } from './heartbeat.js';

const run = promisify(execFile);
const NOW = Date.now();
const MIN = 60_000;
const DAY = 86_400_000;

const PROBES: DoctorProbes = {
  timeSync: () =>
    Promise.resolve({ tool: 'timedatectl', synchronized: true, detail: 'NTPSynchronized=yes' }),
  hostname: () => 'pve1',
  directory: (settings) => Promise.resolve({ server: `${settings.servers[0] ?? ''}:389` }),
  openid: () => Promise.resolve('issuer https://id.example.com'),
  etcdMembers: (hosts) =>
    Promise.resolve(
      hosts.map((host, i) => ({ host, answered: true, detail: 'etcd 3.5.16', isLeader: i === 0 })),
    ),
  pam: () => ({ available: true }),
};

const NO_PAM: Partial<DoctorProbes> = {
  pam: () => ({ available: false, reason: 'PAM support is not installed: x', fix: 'install it' }),
};

interface World {
  readonly store: MemoryStore;
  readonly ctx: ServiceContext;
}

async function world(): Promise<World> {
  const store = new MemoryStore();
  const ctx = storeContext(store);
  await bootstrap(ctx);
  return { store, ctx };
}

function doctor(
  store: ConfigStore,
  extra: Partial<Omit<DoctorContext, 'probes'>> = {},
  probes: Partial<DoctorProbes> = {},
): Promise<DoctorReport> {
  return runDoctor({
    store,
    now: () => NOW,
    options: { node: 'a' },
    certificate: { kind: 'plain-http' },
    ...extra,
    probes: { ...PROBES, ...probes },
  });
}

function check(report: DoctorReport, id: string): DoctorCheck {
  const found = report.checks.find((c) => c.id === id);
  assert.ok(found, `no check ${id} in ${report.checks.map((c) => c.id).join(', ')}`);
  return found;
}

function text(c: DoctorCheck): string {
  return c.evidence.join('\n');
}

async function put(store: ConfigStore, key: string, value: unknown): Promise<number> {
  return store.transact([], [{ op: 'put', key, value: JSON.stringify(value) }]);
}

function beat(node: string, time: number, peers: Heartbeat['peers'] = {}, revision = 0): Heartbeat {
  return { node, time, revision, version: '0.1.0', peers };
}

describe('doctor', () => {
  let dir: string;
  /** Self-signed, for pve1.example.com and pve1, 825 days. */
  let selfSigned: { cert: string; key: string };
  /** Signed by a test CA, for pve1.example.com, 400 days. */
  let signed: { cert: string; key: string };
  /** Signed by the test CA, 10 days left. */
  let expiring: { cert: string; key: string };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-doctor-'));
    const make = async (name: string, days: number, san: string, ca = false) => {
      const cert = join(dir, `${name}.crt`);
      const key = join(dir, `${name}.key`);
      await run('openssl', [
        ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
        ...['-keyout', key, '-out', cert, '-days', String(days), '-subj', `/CN=${name}`],
        ...(san !== '' ? ['-addext', `subjectAltName=${san}`] : []),
        ...(ca ? ['-CA', join(dir, 'ca.crt'), '-CAkey', join(dir, 'ca.key')] : []),
      ]);
      return { cert, key };
    };
    await make('ca', 1000, '');
    selfSigned = await make('self', 825, 'DNS:pve1.example.com,DNS:pve1');
    signed = await make('signed', 400, 'DNS:pve1.example.com,DNS:*.pve.example.com', true);
    expiring = await make('expiring', 10, 'DNS:pve1.example.com', true);
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('clock_cluster', () => {
    it('is ok with no heartbeats: a single node', async () => {
      const { store } = await world();
      const c = check(await doctor(store), 'clock_cluster');
      assert.equal(c.status, 'ok');
      assert.match(text(c), /single node \/ no heartbeats/);
    });

    it('fails naming node b when its clock is 4 min ahead', async () => {
      const { store } = await world();
      const ahead = 4 * MIN;
      await put(
        store,
        `${NODE_PREFIX}a`,
        beat('a', NOW - 5_000, { b: { offset: ahead, seen: NOW - 12_000 } }),
      );
      await put(
        store,
        `${NODE_PREFIX}b`,
        beat('b', NOW + ahead - 3_000, { a: { offset: -ahead, seen: NOW + ahead - 20_000 } }),
      );
      const report = await doctor(store);
      const c = check(report, 'clock_cluster');
      assert.equal(c.status, 'fail');
      assert.match(text(c), /node b's clock is 4 min ahead of a's \(seen 12 s ago\)/);
      assert.match(text(c), /TOTP codes and tickets/);
      // Reported once per pair, from the most recent observation.
      assert.equal(c.evidence.filter((e) => e.includes('ahead of')).length, 1);
      assert.match(c.fix ?? '', /chrony or systemd-timesyncd/);
      assert.match(c.fix ?? '', /\bb\b/);
      // b's heartbeat is dated in the future: this machine's clock is behind it.
      assert.match(text(c), /this machine's clock \(a\) is at least 4 min behind b's/);
      assert.equal(report.status, 'fail');
      assert.equal(exitStatus(report.status), 2);
    });

    it('warns on a few seconds, naming the node that differs from all others', async () => {
      const { store } = await world();
      await put(
        store,
        `${NODE_PREFIX}a`,
        beat('a', NOW - 1_000, {
          b: { offset: 5_000, seen: NOW - 2_000 },
          c: { offset: 100, seen: NOW - 2_000 },
        }),
      );
      await put(
        store,
        `${NODE_PREFIX}c`,
        beat('c', NOW - 1_000, {
          b: { offset: 4_900, seen: NOW - 3_000 },
          a: { offset: -100, seen: NOW - 3_000 },
        }),
      );
      await put(store, `${NODE_PREFIX}b`, beat('b', NOW + 4_000));
      const c = check(await doctor(store), 'clock_cluster');
      assert.equal(c.status, 'warn');
      assert.match(text(c), /node b's clock is 5 s ahead of a's/);
      assert.match(c.fix ?? '', /on b \(it differs from every other node\)/);
    });

    it('is ok when clocks agree, and warns about a silent node', async () => {
      const { store } = await world();
      await put(
        store,
        `${NODE_PREFIX}a`,
        beat('a', NOW - 10_000, { b: { offset: 300, seen: NOW - 11_000 } }),
      );
      await put(
        store,
        `${NODE_PREFIX}b`,
        beat('b', NOW - 15_000, { a: { offset: -250, seen: NOW - 16_000 } }),
      );
      let c = check(await doctor(store), 'clock_cluster');
      assert.equal(c.status, 'ok', text(c));
      assert.match(text(c), /2 nodes: clocks within 2 s of each other \(largest offset 300 ms/);
      await put(store, `${NODE_PREFIX}c`, beat('c', NOW - 10 * MIN));
      c = check(await doctor(store), 'clock_cluster');
      assert.equal(c.status, 'warn');
      assert.match(text(c), /node c silent since .* \(10 min ago\)/);
      assert.match(c.fix ?? '', /start tessera serve on c/);
    });

    it('warns when every heartbeat is old: nobody runs, or this clock is ahead', async () => {
      const { store } = await world();
      await put(store, `${NODE_PREFIX}a`, beat('a', NOW - 5 * MIN));
      const c = check(await doctor(store), 'clock_cluster');
      assert.equal(c.status, 'warn');
      assert.match(text(c), /every heartbeat is older than 2 min/);
    });
  });

  describe('clock_sync', () => {
    it('is ok when synchronised, warns when not, and when nothing can tell', async () => {
      const { store } = await world();
      assert.equal(check(await doctor(store), 'clock_sync').status, 'ok');
      let c = check(
        await doctor(
          store,
          {},
          {
            timeSync: () =>
              Promise.resolve({
                tool: 'chronyc',
                synchronized: false,
                detail: 'leap status Not synchronised',
              }),
          },
        ),
        'clock_sync',
      );
      assert.equal(c.status, 'warn');
      assert.match(text(c), /chronyc: not synchronised/);
      c = check(
        await doctor(
          store,
          {},
          {
            timeSync: () => Promise.resolve({ tool: 'none', detail: 'timedatectl: not found' }),
          },
        ),
        'clock_sync',
      );
      assert.equal(c.status, 'warn');
      assert.match(text(c), /cannot tell: no timedatectl\/chronyc/);
      assert.equal(c.fix, 'install and enable chrony or systemd-timesyncd');
    });
  });

  describe('store', () => {
    it('reads, and checks writes without writing', async () => {
      const { store } = await world();
      const before = await store.snapshot();
      const c = check(await doctor(store, { options: { node: 'pve7' } }), 'store');
      assert.equal(c.status, 'ok', text(c));
      assert.match(text(c), /read \d+ keys at revision \d+ in/);
      assert.match(text(c), /takes writes \(checked without writing\)/);
      const after = await store.snapshot();
      assert.equal(after.revision, before.revision);
      assert.deepEqual([...after.entries.keys()], [...before.entries.keys()]);
    });

    it('fails when the cluster has no quorum', async () => {
      const { store } = await world();
      const readOnly: ConfigStore = {
        url: 'etcd://10.0.0.1:2379,10.0.0.2:2379,10.0.0.3:2379',
        writable: true,
        snapshot: () => store.snapshot(),
        transact: () => Promise.reject(new Error('doctor must not write')),
        canWrite: () =>
          Promise.reject(
            new TesseraError(
              'store_read_only',
              'cluster has no quorum: configuration is read-only',
            ),
          ),
        watch: () => () => undefined,
        close: () => Promise.resolve(),
      };
      const report = await doctor(
        readOnly,
        {},
        {
          etcdMembers: (hosts) =>
            Promise.resolve(
              hosts.map((host, i) =>
                i === 0
                  ? { host, answered: true, detail: 'etcd 3.5.16', isLeader: false }
                  : { host, answered: false, detail: 'connect ECONNREFUSED' },
              ),
            ),
        },
      );
      const c = check(report, 'store');
      assert.equal(c.status, 'fail');
      assert.equal(
        c.evidence[0]?.startsWith('cluster has no quorum: configuration is read-only'),
        true,
      );
      assert.match(text(c), /1 of 3 etcd members answer .*no majority/);
      assert.match(text(c), /etcd member 10\.0\.0\.2:2379 does not answer: connect ECONNREFUSED/);
      assert.match(c.fix ?? '', /majority of the etcd members/);
    });

    it('warns about an etcd member that does not answer', async () => {
      const { store } = await world();
      const etcd: ConfigStore = Object.assign(Object.create(store) as MemoryStore, {
        url: 'etcd://m1:2379,m2:2379,m3:2379',
      });
      const c = check(
        await doctor(
          etcd,
          {},
          {
            etcdMembers: (hosts) =>
              Promise.resolve(
                hosts.map((host, i) =>
                  i === 2
                    ? { host, answered: false, detail: 'deadline exceeded' }
                    : { host, answered: true, detail: 'etcd 3.5.16', isLeader: i === 0 },
                ),
              ),
          },
        ),
        'store',
      );
      assert.equal(c.status, 'warn', text(c));
      assert.match(text(c), /2 of 3 etcd members answer .*leader m1:2379/);
      assert.match(text(c), /etcd member m3:2379 does not answer/);
    });

    it('fails when the store cannot be read, and says the other checks did not run', async () => {
      const broken: ConfigStore = {
        url: 'sqlite:/nowhere/t.db',
        writable: true,
        snapshot: () =>
          Promise.reject(new TesseraError('store_unavailable', 'unable to open database file')),
        transact: () => Promise.reject(new Error('no')),
        watch: () => () => undefined,
        close: () => Promise.resolve(),
      };
      const report = await doctor(broken);
      const c = check(report, 'store');
      assert.equal(c.status, 'fail');
      assert.match(
        text(c),
        /cannot read the store sqlite:\/nowhere\/t\.db .*unable to open database file/,
      );
      assert.match(c.fix ?? '', /permissions/);
      for (const id of ['clock_cluster', 'break_glass', 'failure_spikes'])
        assert.match(text(check(report, id)), /not checked: the store could not be read/);
    });

    it('warns about an empty store', async () => {
      const c = check(await doctor(new MemoryStore()), 'store');
      assert.equal(c.status, 'warn');
      assert.match(text(c), /the store is empty/);
    });

    it('warns about a node that stopped following the store', async () => {
      const { store } = await world();
      const stuckAt = (await store.snapshot()).revision;
      // Events flushed over three minutes, which node b never saw.
      for (let i = 0; i < 15; i++) {
        const event: AuthEvent = {
          time: NOW - 3 * MIN + i * 1_000,
          node: 'a',
          kind: 'login',
          outcome: 'success',
          user: 'root@pam',
          rhost: '10.0.0.9',
        };
        await put(store, eventKey(event, i), event);
      }
      const current = (await store.snapshot()).revision;
      await put(store, `${NODE_PREFIX}a`, beat('a', NOW - 2_000, {}, current));
      await put(store, `${NODE_PREFIX}b`, beat('b', NOW - 1_000, {}, stuckAt));
      const c = check(await doctor(store), 'store');
      assert.equal(c.status, 'warn', text(c));
      assert.match(text(c), /node b is 16 revisions behind the store/);
      assert.match(c.fix ?? '', /restart tessera serve on b/);
      assert.doesNotMatch(text(c), /node a is/);
    });
  });

  describe('realm checks', () => {
    const corp = parseRealmId('corp');
    const ldapRealm = async (
      ctx: ServiceContext,
      options: Record<string, string | number | boolean> = {},
    ) =>
      createRealm(
        ctx,
        corp,
        'ldap',
        {
          server1: 'ldap.example.com',
          base_dn: 'dc=example,dc=com',
          user_attr: 'uid',
          bind_dn: 'cn=tessera,dc=example,dc=com',
          ...options,
        },
        'secret',
      );

    it('binds as the service account', async () => {
      const { store, ctx } = await world();
      await ldapRealm(ctx);
      let seen: { bindDn?: string | undefined; bindPassword?: string | undefined } = {};
      const c = check(
        await doctor(
          store,
          {},
          {
            directory: (settings) => {
              seen = settings;
              return Promise.resolve({ server: 'ldap.example.com:389' });
            },
          },
        ),
        'realm:corp',
      );
      assert.equal(c.status, 'ok', text(c));
      assert.equal(c.title, 'Realm corp (ldap)');
      assert.match(
        text(c),
        /service bind as cn=tessera,dc=example,dc=com on ldap\.example\.com:389 \(ldap\) succeeded/,
      );
      assert.match(text(c), /plain LDAP/);
      assert.equal(seen.bindPassword, 'secret');
    });

    it('fails with the cause and a fix for each kind of failure', async () => {
      const { store, ctx } = await world();
      await ldapRealm(ctx);
      const failing = (
        code: 'ldap_unreachable' | 'ldap_tls' | 'ldap_bind_rejected',
        message: string,
      ) =>
        doctor(store, {}, { directory: () => Promise.reject(new AuthFailure(message, code)) }).then(
          (report) => check(report, 'realm:corp'),
        );
      let c = await failing(
        'ldap_bind_rejected',
        "LDAP server ldap.example.com:389 rejected the bind DN 'cn=tessera,dc=example,dc=com': invalid credentials",
      );
      assert.equal(c.status, 'fail');
      assert.match(text(c), /ldap_bind_rejected: .*invalid credentials/);
      assert.match(c.fix ?? '', /check bind_dn and the bind password of realm corp/);
      c = await failing(
        'ldap_unreachable',
        'LDAP server ldap.example.com:389 unreachable: connect ECONNREFUSED',
      );
      assert.match(c.fix ?? '', /server1\/server2 and port \(389\).*firewalls/);
      c = await failing(
        'ldap_tls',
        'LDAP server ldap.example.com:636: TLS handshake or certificate check failed',
      );
      assert.match(c.fix ?? '', /capath of realm corp/);
    });

    it("warns when the directory server's certificate expires within 30 days", async () => {
      const { store, ctx } = await world();
      await ldapRealm(ctx, { mode: 'ldaps', verify: true });
      const certificate = {
        subject: 'CN=ldap.example.com',
        issuer: 'CN=Corp CA',
        validFrom: NOW - 300 * DAY,
        validTo: NOW + 12 * DAY,
      };
      let c = check(
        await doctor(
          store,
          {},
          { directory: () => Promise.resolve({ server: 'ldap.example.com:636', certificate }) },
        ),
        'realm:corp',
      );
      assert.equal(c.status, 'warn');
      assert.match(
        text(c),
        /certificate of ldap\.example\.com:636 \(CN=ldap\.example\.com, issued by CN=Corp CA\) expires in 12 days/,
      );
      c = check(
        await doctor(
          store,
          {},
          {
            directory: () =>
              Promise.resolve({
                server: 'ldap.example.com:636',
                certificate: { ...certificate, validTo: NOW + 200 * DAY },
              }),
          },
        ),
        'realm:corp',
      );
      assert.equal(c.status, 'ok');
      assert.match(text(c), /valid until/);
    });

    it('checks OpenID discovery, and --skip-network leaves the realms out', async () => {
      const { store, ctx } = await world();
      await ldapRealm(ctx);
      await createRealm(ctx, parseRealmId('sso'), 'openid', {
        'issuer-url': 'https://id.example.com',
        'client-id': 'tessera',
      });
      let report = await doctor(store);
      assert.equal(check(report, 'realm:sso').status, 'ok');
      assert.match(
        text(check(report, 'realm:sso')),
        /discovery at https:\/\/id\.example\.com: issuer/,
      );
      report = await doctor(
        store,
        {},
        {
          openid: () =>
            Promise.reject(
              new AuthFailure(
                'OpenID discovery at https://id.example.com failed: fetch failed',
                'oidc_discovery_failed',
              ),
            ),
        },
      );
      const c = check(report, 'realm:sso');
      assert.equal(c.status, 'fail');
      assert.match(
        text(c),
        /oidc_discovery_failed: OpenID discovery at https:\/\/id\.example\.com failed/,
      );
      assert.match(c.fix ?? '', /\.well-known\/openid-configuration/);
      report = await doctor(store, { options: { node: 'a', skipNetwork: true } });
      assert.deepEqual(
        report.checks.filter((x) => x.id.startsWith('realm:')),
        [],
      );
    });

    it('answers within the time limit when a directory hangs', async () => {
      const { store, ctx } = await world();
      await ldapRealm(ctx);
      const report = await doctor(
        store,
        { checkTimeoutMs: 100 },
        { directory: () => new Promise(() => undefined) },
      );
      const c = check(report, 'realm:corp');
      assert.equal(c.status, 'warn');
      assert.match(text(c), /did not finish within 100 ms/);
    });
  });

  describe('https_certificate', () => {
    it('warns about a self-signed certificate in the data directory', async () => {
      const { store } = await world();
      const data = await mkdtemp(join(dir, 'data-'));
      await run('cp', [selfSigned.cert, join(data, 'tessera.crt')]);
      await run('cp', [selfSigned.key, join(data, 'tessera.key')]);
      const c = check(
        await doctor(store, { certificate: { kind: 'data-dir', dir: data } }),
        'https_certificate',
      );
      assert.equal(c.status, 'warn');
      assert.match(c.evidence[0] ?? '', /^self-signed/);
      assert.match(text(c), /valid until .*\(825 days left\)/);
      assert.match(c.fix ?? '', /serve --cert <file> --key <file>/);
    });

    it('warns when serve has made no certificate yet', async () => {
      const { store } = await world();
      const c = check(
        await doctor(store, { certificate: { kind: 'data-dir', dir: join(dir, 'empty') } }),
        'https_certificate',
      );
      assert.equal(c.status, 'warn');
      assert.match(text(c), /no certificate yet at .*tessera\.crt/);
    });

    it('is ok for a CA certificate naming this host, and checks the URL clients use', async () => {
      const { store } = await world();
      const file = { kind: 'file', cert: signed.cert, key: signed.key } as const;
      let c = check(await doctor(store, { certificate: file }), 'https_certificate');
      assert.equal(c.status, 'ok', text(c));
      assert.match(text(c), /names DNS:pve1\.example\.com, DNS:\*\.pve\.example\.com/);
      c = check(
        await doctor(store, {
          certificate: file,
          options: { node: 'a', url: 'https://node3.pve.example.com:8006' },
        }),
        'https_certificate',
      );
      assert.equal(c.status, 'ok', text(c));
      c = check(
        await doctor(store, {
          certificate: file,
          options: { node: 'a', url: 'https://pve.other.org:8006' },
        }),
        'https_certificate',
      );
      assert.equal(c.status, 'fail');
      assert.match(
        text(c),
        /clients use pve\.other\.org \(--url\), which the certificate does not name/,
      );
      c = check(
        await doctor(store, { certificate: file }, { hostname: () => 'backup7' }),
        'https_certificate',
      );
      assert.equal(c.status, 'warn');
      assert.match(text(c), /this host's name backup7 is not among the certificate's names/);
    });

    it('says how each kind of certificate is renewed when it expires within 30 days', async () => {
      const { store } = await world();
      let c = check(
        await doctor(store, { certificate: { kind: 'file', cert: expiring.cert } }),
        'https_certificate',
      );
      assert.match(c.fix ?? '', /--cert and --key and send serve SIGHUP/);
      // serve --acme-domain presents the ACME certificate in the data directory.
      const data = await mkdtemp(join(dir, 'data-'));
      await mkdir(join(data, 'acme'));
      await run('cp', [expiring.cert, join(data, 'acme', 'certificate.pem')]);
      await run('cp', [expiring.key, join(data, 'acme', 'certificate.key')]);
      c = check(
        await doctor(store, { certificate: { kind: 'data-dir', dir: data } }),
        'https_certificate',
      );
      assert.equal(c.status, 'warn');
      assert.match(text(c), /acme\/certificate\.pem \(ACME\): subject/);
      assert.match(text(c), /expires in (9|10) days/);
      assert.match(
        c.fix ?? '',
        /^serve --acme-domain renews it by itself from 30 days before expiry/,
      );
      c = check(
        await doctor(store, {
          certificate: { kind: 'data-dir', dir: data },
          now: () => NOW + 11 * DAY,
        }),
        'https_certificate',
      );
      assert.equal(c.status, 'fail');
      assert.match(c.fix ?? '', /look for 'ACME order \.\.\. failed' in serve's log/);
    });

    it('warns before expiry, fails once expired, and fails on a key of another certificate', async () => {
      const { store } = await world();
      let c = check(
        await doctor(store, { certificate: { kind: 'file', cert: expiring.cert } }),
        'https_certificate',
      );
      assert.equal(c.status, 'warn');
      assert.match(text(c), /expires in (9|10) days/);
      c = check(
        await doctor(store, {
          certificate: { kind: 'file', cert: expiring.cert },
          now: () => NOW + 11 * DAY,
        }),
        'https_certificate',
      );
      assert.equal(c.status, 'fail');
      assert.match(text(c), /expired on .*: clients refuse it/);
      c = check(
        await doctor(store, {
          certificate: { kind: 'file', cert: signed.cert, key: selfSigned.key },
        }),
        'https_certificate',
      );
      assert.equal(c.status, 'fail');
      assert.match(text(c), /does not belong to the certificate/);
      c = check(
        await doctor(store, { certificate: { kind: 'file', cert: join(dir, 'missing.crt') } }),
        'https_certificate',
      );
      assert.equal(c.status, 'fail');
      assert.match(text(c), /cannot read the certificate .*missing\.crt/);
    });
  });

  describe('webauthn', () => {
    const withCredential = async (ctx: ServiceContext, userid: UserId) => {
      const user: TfaUser = {
        totp: [],
        u2f: [],
        webauthn: [
          {
            info: { id: 'w1', description: 'key', created: 1, enable: true },
            credential: { cred_id: 'AAAA', cred: {}, counter: 0 },
          },
        ],
        yubico: [],
        totpLocked: false,
      };
      await ctx.store.transact(
        [],
        [{ op: 'put', key: KEYS.tfa(userid), value: encodeTfaUser(user, 1) }],
      );
    };

    it('is ok with nothing configured', async () => {
      const { store } = await world();
      const c = check(await doctor(store), 'webauthn');
      assert.equal(c.status, 'ok');
      assert.match(text(c), /no WebAuthn credentials registered/);
    });

    it('fails on an IP origin, an rp id that does not cover the origin, an origin the certificate lacks', async () => {
      const { store } = await world();
      const file = { kind: 'file', cert: signed.cert } as const;
      const webauthn = (webauthnRpId: string, webauthnOrigin: string) =>
        doctor(store, {
          certificate: file,
          options: { node: 'a', webauthnRpId, webauthnOrigin },
        }).then((r) => check(r, 'webauthn'));
      let c = await webauthn('pve.example.com', 'https://pve1.example.com:8006');
      assert.equal(c.status, 'fail');
      assert.match(
        text(c),
        /rp id pve\.example\.com is neither the origin's host pve1\.example\.com nor a parent domain/,
      );
      c = await webauthn('example.com', 'https://pve1.example.com:8006');
      assert.equal(c.status, 'ok', text(c));
      assert.match(text(c), /rp id example\.com covers the origin's host pve1\.example\.com/);
      assert.match(text(c), /the certificate names the origin's host pve1\.example\.com/);
      c = await webauthn('10.0.0.5', 'https://10.0.0.5:8006');
      assert.equal(c.status, 'fail');
      assert.match(text(c), /origin https:\/\/10\.0\.0\.5:8006 is an IP address/);
      c = await webauthn('example.com', 'https://pve9.example.com');
      assert.equal(c.status, 'fail');
      assert.match(
        text(c),
        /the origin's host pve9\.example\.com is not among the certificate's names/,
      );
    });

    it('warns when credentials exist and the certificate is self-signed', async () => {
      const { store, ctx } = await world();
      await withCredential(ctx, parseUserId('admin@pve'));
      const c = check(
        await doctor(store, { certificate: { kind: 'file', cert: selfSigned.cert } }),
        'webauthn',
      );
      assert.equal(c.status, 'warn');
      assert.match(text(c), /1 WebAuthn credential registered, but the certificate is self-signed/);
    });
  });

  describe('pam', () => {
    it('is ok when the binding loads, and warns with the fix when it does not', async () => {
      const { store } = await world();
      assert.equal(check(await doctor(store), 'pam').status, 'ok');
      const c = check(await doctor(store, {}, NO_PAM), 'pam');
      assert.equal(c.status, 'warn');
      assert.match(
        text(c),
        /PAM support is not installed: x: users of the realm pam, root@pam too, cannot log in/,
      );
      assert.equal(c.fix, 'install it');
    });
  });

  describe('break_glass', () => {
    it('names the break-glass commands that make admin@pve an administrator again', async () => {
      const { store, ctx } = await world();
      await updateUser(ctx, parseUserId('root@pam'), { enable: false });
      await modifyAcl(ctx, {
        path: parseAclPath('/'),
        roles: [parseRoleId('Administrator')],
        users: [parseUserId('admin@pve')],
        delete: true,
      });
      let c = check(await doctor(store), 'break_glass');
      assert.equal(c.status, 'fail', text(c));
      assert.match(
        c.fix ?? '',
        /; or make a pve administrator on the node: tessera acl modify \/ --roles Administrator --users admin@pve, then tessera passwd admin@pve$/,
      );
      await deleteUser(ctx, parseUserId('admin@pve'));
      c = check(await doctor(store), 'break_glass');
      assert.match(
        c.fix ?? '',
        /make a pve administrator on the node: tessera user add admin@pve, then tessera acl modify \/ --roles Administrator --users admin@pve, then tessera passwd admin@pve$/,
      );
    });

    it('does not count PAM users where the binding is missing', async () => {
      const { store, ctx } = await world();
      let c = check(await doctor(store, {}, NO_PAM), 'break_glass');
      assert.equal(c.status, 'ok', text(c));
      assert.match(text(c), /^admin@pve \(password in the store\) can log in/);
      assert.match(text(c), /root@pam cannot log in: PAM support is not installed on this node/);
      await updateUser(ctx, parseUserId('admin@pve'), { enable: false });
      c = check(await doctor(store, {}, NO_PAM), 'break_glass');
      assert.equal(c.status, 'fail');
      assert.match(c.fix ?? '', /^for root@pam: install it; or keep root@pam enabled/);
    });

    it('is ok with root@pam enabled', async () => {
      const { store } = await world();
      const c = check(await doctor(store), 'break_glass');
      assert.equal(c.status, 'ok');
      assert.match(text(c), /root@pam/);
      assert.match(text(c), /admin@pve \(password in the store\)/);
    });

    it('fails when every administrator is in an external realm', async () => {
      const { store, ctx } = await world();
      await createRealm(ctx, parseRealmId('corp'), 'ldap', {
        server1: 'ldap.example.com',
        base_dn: 'dc=example,dc=com',
        user_attr: 'uid',
      });
      await createUser(ctx, { userid: parseUserId('boss@corp') });
      await modifyAcl(ctx, {
        path: parseAclPath('/'),
        roles: [parseRoleId('Administrator')],
        users: [parseUserId('boss@corp')],
      });
      await updateUser(ctx, parseUserId('root@pam'), { enable: false });
      await updateUser(ctx, parseUserId('admin@pve'), { enable: false });
      const report = await doctor(store, { options: { node: 'a', skipNetwork: true } });
      const c = check(report, 'break_glass');
      assert.equal(c.status, 'fail');
      assert.match(
        text(c),
        /no administrator can log in without an external realm: if the directory or the provider is down nobody can log in/,
      );
      assert.match(
        text(c),
        /root@pam is disabled; admin@pve administers \/ but is disabled; administrators in external realms: boss@corp/,
      );
      assert.match(
        c.fix ?? '',
        /keep root@pam enabled \(on the node: tessera user modify root@pam --enable 1 --expire 0\)/,
      );
      assert.match(
        c.fix ?? '',
        /enable admin@pve on the node: tessera user modify admin@pve --enable 1 --expire 0 \(and tessera passwd admin@pve if its password is lost\)/,
      );
      assert.equal(exitStatus(report.status), 2);
    });

    it('counts a pve user with Permissions.Modify and User.Modify, if it has a password', async () => {
      const { store, ctx } = await world();
      await updateUser(ctx, parseUserId('root@pam'), { enable: false });
      await updateUser(ctx, parseUserId('admin@pve'), { enable: false });
      await createRole(ctx, parseRoleId('KeyHolder'), ['Permissions.Modify', 'User.Modify']);
      await createUser(ctx, { userid: parseUserId('keeper@pve') });
      await modifyAcl(ctx, {
        path: parseAclPath('/'),
        roles: [parseRoleId('KeyHolder')],
        users: [parseUserId('keeper@pve')],
      });
      let c = check(await doctor(store), 'break_glass');
      assert.equal(c.status, 'fail');
      assert.match(text(c), /keeper@pve administers \/ but has no password/);
      assert.match(
        c.fix ?? '',
        /give keeper@pve a password on the node: tessera passwd keeper@pve/,
      );
      await setPasswordHash(ctx, parseUserId('keeper@pve'), '$5$salt$hash');
      c = check(await doctor(store), 'break_glass');
      assert.equal(c.status, 'ok', text(c));
      assert.match(text(c), /keeper@pve/);
    });
  });

  describe('failure_spikes', () => {
    const failures = async (
      store: ConfigStore,
      cause: AuthEvent['cause'],
      count: number,
      at: number,
      rhost = '203.0.113.9',
    ) => {
      const operations = [];
      for (let i = 0; i < count; i++) {
        const event: AuthEvent = {
          time: at + i,
          node: 'a',
          kind: 'login',
          outcome: 'failure',
          ...(cause !== undefined ? { cause } : {}),
          user: i % 3 === 0 ? 'admin@pve' : 'root@pam',
          rhost: i % 5 === 0 ? '198.51.100.7' : rhost,
        };
        operations.push({
          op: 'put' as const,
          key: eventKey(event, i),
          value: JSON.stringify(event),
        });
      }
      await store.transact([], operations);
    };

    it('is ok without failures, and counts the last hour by cause', async () => {
      const { store } = await world();
      let c = check(await doctor(store), 'failure_spikes');
      assert.equal(c.status, 'ok');
      assert.match(text(c), /no failed authentications in the last hour/);
      await failures(store, 'wrong_password', 30, NOW - 40 * MIN);
      await failures(store, 'ticket_expired', 3, NOW - 2 * MIN);
      await failures(store, 'wrong_password', 50, NOW - 2 * 3_600_000);
      c = check(await doctor(store), 'failure_spikes');
      assert.equal(c.status, 'ok', text(c));
      assert.match(text(c), /last hour: 33 failures \(wrong_password 30, ticket_expired 3\)/);
    });

    it('warns about a spike, naming the cause, addresses and users', async () => {
      const { store } = await world();
      await failures(store, 'wrong_password', 25, NOW - 5 * MIN);
      const c = check(await doctor(store), 'failure_spikes');
      assert.equal(c.status, 'warn');
      assert.match(
        text(c),
        /wrong_password: 25 failures in the last 10 min, from 203\.0\.113\.9 \(20\), 198\.51\.100\.7 \(5\); users root@pam \(16\), admin@pve \(9\)/,
      );
      assert.match(c.fix ?? '', /password-guessing/);
    });

    it('fails on a spike of ldap_unreachable, store_read_only or ticket_not_yet_valid', async () => {
      for (const cause of [
        'ldap_unreachable',
        'store_read_only',
        'ticket_not_yet_valid',
      ] as const) {
        const { store } = await world();
        await failures(store, cause, 21, NOW - MIN);
        const c = check(await doctor(store), 'failure_spikes');
        assert.equal(c.status, 'fail', cause);
        assert.match(text(c), new RegExp(`^${cause}: 21 failures`, 'm'));
      }
    });
  });

  describe('the report', () => {
    it('lists every check in order, and prints status, evidence and fix', async () => {
      const { store } = await world();
      const report = await doctor(
        store,
        {},
        {
          timeSync: () => Promise.resolve({ tool: 'none', detail: 'timedatectl: not found' }),
        },
      );
      assert.deepEqual(
        report.checks.map((c) => c.id),
        [
          'clock_cluster',
          'clock_sync',
          'store',
          'https_certificate',
          'webauthn',
          'pam',
          'break_glass',
          'failure_spikes',
        ],
      );
      assert.equal(report.status, 'warn');
      assert.equal(exitStatus(report.status), 1);
      const out = renderDoctorText(report);
      assert.match(
        out,
        /^warn {2}clock_sync +Time synchronisation of this machine\n {6}cannot tell/m,
      );
      assert.match(out, /^ {6}fix: install and enable chrony or systemd-timesyncd$/m);
      assert.match(out, /^ok {4}break_glass/m);
      assert.match(out, /doctor on a: 7 ok, 1 warn, 0 fail/);
      assert.equal(exitStatus('ok'), 0);
    });
  });
});
