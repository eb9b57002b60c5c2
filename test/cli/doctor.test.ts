/**
 * `tessera doctor` from the command line, against a real SQLite store set up by the services
 * (bootstrap: root@pam and admin@pve) and ldap realms on a real slapd: the service bind
 * works over LDAP and LDAPS (whose certificate, made for 30 days, is about to expire), then
 * the bind password is wrong, then slapd is down; text, JSON and exit status each time.
 * `GET /access/tessera/doctor` runs the same checks for auditors.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildApi } from '../../src/api/server.js';
import { csrfToken } from '../../src/auth/csrf.js';
import { serverKeys } from '../../src/auth/server-keys.js';
import { ensureServerKeys } from '../../src/services/server-keys.js';
import { signTicket } from '../../src/auth/ticket.js';
import { parseRealmId, parseUserId } from '../../src/model/ids.js';
import { bootstrap } from '../../src/services/bootstrap.js';
import { liveContext, storeContext, type ServiceContext } from '../../src/services/context.js';
import { createRealm, updateRealm } from '../../src/services/realms.js';
import { createUser } from '../../src/services/users.js';
import type { ConfigStore } from '../../src/store/config-store.js';
import { LiveAccess } from '../../src/store/live.js';
import { MemoryStore } from '../../src/store/memory.js';
import { openStore } from '../../src/store/open.js';
import { runCli } from '../support/cli.js';
import { startSlapd, type Slapd } from '../support/slapd.js';

interface JsonReport {
  checks: { id: string; status: string; title: string; evidence: string[]; fix: string | null }[];
  status: string;
}

describe('tessera doctor', { timeout: 120_000 }, () => {
  let dir: string;
  let url: string;
  let store: ConfigStore;
  let ctx: ServiceContext;
  let slapd: Slapd;
  let certArgs: string[];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-doctor-cli-'));
    url = `sqlite:${join(dir, 't.db')}`;
    slapd = await startSlapd({ users: [{ uid: 'alice', password: 'alice-pw' }] });
    store = await openStore(url);
    ctx = storeContext(store);
    await bootstrap(ctx);
    await createRealm(
      ctx,
      parseRealmId('corp'),
      'ldap',
      {
        server1: '127.0.0.1',
        port: slapd.port,
        base_dn: slapd.peopleDn,
        user_attr: 'uid',
        bind_dn: slapd.serviceDn,
      },
      slapd.servicePassword,
    );
    await createRealm(
      ctx,
      parseRealmId('secure'),
      'ldap',
      {
        server1: '127.0.0.1',
        port: slapd.ldapsPort,
        mode: 'ldaps',
        verify: true,
        capath: slapd.caFile,
        base_dn: slapd.peopleDn,
        user_attr: 'uid',
        bind_dn: slapd.serviceDn,
      },
      slapd.servicePassword,
    );
    // slapd's own certificate: signed by its test CA, for localhost, 30 days.
    certArgs = [
      '--cert',
      join(slapd.dir, 'tls', 'server.crt'),
      '--key',
      join(slapd.dir, 'tls', 'server.key'),
      '--url',
      'https://localhost:8006',
    ];
  });

  after(async () => {
    await store.close();
    await slapd.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  const doctor = (...args: string[]) =>
    runCli('--store', url, 'doctor', '--node', 'pve1', ...certArgs, ...args);
  const json = async (...args: string[]) => {
    const result = await doctor('--output-format', 'json', ...args);
    return { status: result.status, report: JSON.parse(result.stdout) as JsonReport };
  };
  const find = (report: JsonReport, id: string) => {
    const check = report.checks.find((c) => c.id === id);
    assert.ok(check, `no ${id} in ${JSON.stringify(report.checks.map((c) => c.id))}`);
    return check;
  };

  it('binds to both realms, and warns about what needs attention', async () => {
    const revision = (await store.snapshot()).revision;
    const started = Date.now();
    const result = await doctor();
    const elapsed = Date.now() - started;
    // doctor reads: the store is as it was.
    assert.equal((await store.snapshot()).revision, revision);
    assert.equal(result.stderr, '');
    assert.match(result.stdout, /^ok {4}realm:corp +Realm corp \(ldap\)$/m);
    assert.match(
      result.stdout,
      /service bind as cn=tessera,ou=services,dc=example,dc=com on 127\.0\.0\.1:\d+ \(ldap\) succeeded/,
    );
    assert.match(result.stdout, /^warn {2}realm:secure/m);
    assert.match(
      result.stdout,
      /certificate of 127\.0\.0\.1:\d+ \(CN=localhost, issued by CN=Tessera Test LDAP CA\) expires in 30 days/,
    );
    assert.match(result.stdout, /^ok {4}store {2}/m);
    assert.match(result.stdout, /takes writes \(checked without writing\)/);
    // The suite installs the PAM binding.
    assert.match(result.stdout, /^ok {4}pam +Linux PAM logins on this node$/m);
    assert.match(result.stdout, /^ok {4}break_glass/m);
    assert.match(result.stdout, /single node \/ no heartbeats/);
    // The HTTPS certificate expires within 30 days too; nothing fails.
    assert.match(result.stdout, /^warn {2}https_certificate/m);
    assert.match(result.stdout, /^doctor on pve1: \d+ ok, \d+ warn, 0 fail/m);
    assert.equal(result.status, 1);

    const { status, report } = await json();
    assert.equal(status, 1);
    assert.equal(report.status, 'warn');
    assert.deepEqual(
      report.checks.map((c) => c.id),
      [
        'clock_cluster',
        'clock_sync',
        'store',
        'realm:corp',
        'realm:secure',
        'https_certificate',
        'webauthn',
        'pam',
        'break_glass',
        'failure_spikes',
      ],
    );
    for (const check of report.checks) {
      assert.deepEqual(Object.keys(check).slice(0, 5), [
        'id',
        'status',
        'title',
        'evidence',
        'fix',
      ]);
      assert.ok(['ok', 'warn', 'fail'].includes(check.status));
      assert.equal(check.status === 'ok', check.fix === null, check.id);
    }
    assert.equal(find(report, 'realm:corp').status, 'ok');
    assert.equal(find(report, 'https_certificate').status, 'warn');
    assert.match(find(report, 'https_certificate').evidence.join('\n'), /expires in 30 days/);
    assert.ok(elapsed < 10_000, `doctor took ${String(elapsed)} ms`);
  });

  it('fails on a wrong bind password, naming the cause and the fix', async () => {
    await updateRealm(ctx, parseRealmId('corp'), { password: 'not-the-password' });
    try {
      const result = await doctor();
      assert.equal(result.status, 2);
      assert.match(result.stdout, /^fail {2}realm:corp/m);
      assert.match(
        result.stdout,
        /ldap_bind_rejected: LDAP server 127\.0\.0\.1:\d+ rejected the bind DN 'cn=tessera,ou=services,dc=example,dc=com': invalid credentials/,
      );
      assert.match(result.stdout, /fix: check bind_dn and the bind password of realm corp/);
      assert.match(result.stdout, /^ok {4}realm:secure|^warn {2}realm:secure/m);
      const { status, report } = await json();
      assert.equal(status, 2);
      assert.equal(report.status, 'fail');
      assert.equal(find(report, 'realm:corp').status, 'fail');
    } finally {
      await updateRealm(ctx, parseRealmId('corp'), { password: slapd.servicePassword });
    }
  });

  it('fails when the directory is down, and leaves realms out with --skip-network', async () => {
    await slapd.stop();
    try {
      const { status, report } = await json();
      assert.equal(status, 2);
      for (const id of ['realm:corp', 'realm:secure']) {
        const check = find(report, id);
        assert.equal(check.status, 'fail');
        assert.match(
          check.evidence.join('\n'),
          /^ldap_unreachable: LDAP server 127\.0\.0\.1:\d+ unreachable/,
        );
        assert.match(check.fix ?? '', /firewalls/);
      }
      const skipped = await json('--skip-network');
      assert.equal(skipped.status, 1);
      assert.deepEqual(
        skipped.report.checks.filter((c) => c.id.startsWith('realm:')),
        [],
      );
    } finally {
      await slapd.start();
    }
  });

  it('refuses arguments it does not take', async () => {
    const extra = await runCli('--store', url, 'doctor', 'now');
    assert.equal(extra.status, 2);
    assert.match(extra.stderr, /unexpected argument 'now'/);
    const keyAlone = await runCli('--store', url, 'doctor', '--key', 'x.key');
    assert.equal(keyAlone.status, 2);
    assert.match(keyAlone.stderr, /--key goes with --cert/);
    const foreign = await runCli('--store', url, 'doctor', '--path', '/');
    assert.equal(foreign.status, 2);
  });
});

describe('GET /access/tessera/doctor', () => {
  it('runs the checks for an auditor and refuses others', async () => {
    const NOW = Math.floor(Date.now() / 1000);
    const live = await LiveAccess.open(new MemoryStore());
    const ctx = liveContext(live);
    await bootstrap(ctx);
    await ensureServerKeys(ctx, NOW - 10);
    await createUser(ctx, { userid: parseUserId('bob@pve') });
    const app = await buildApi({ live, authFailureDelayMs: 0, throttle: false });
    try {
      const keys = serverKeys(live.snapshot);
      assert.ok(keys);
      const ask = (as: string) =>
        app.inject({
          method: 'GET',
          url: '/api2/json/access/tessera/doctor?skip-network=1',
          headers: {
            cookie: `PVEAuthCookie=${encodeURIComponent(signTicket(keys.ring, 'PVE', as, NOW))}`,
            csrfpreventiontoken: csrfToken(keys.csrfSecret, as, NOW),
          },
        });
      const revision = (await live.store.snapshot()).revision;
      const root = await ask('root@pam');
      assert.equal(root.statusCode, 200, root.body);
      // Diagnostics read without writing.
      assert.equal((await live.store.snapshot()).revision, revision);
      const data = (JSON.parse(root.body) as { data: JsonReport }).data;
      assert.ok(['ok', 'warn', 'fail'].includes(data.status));
      const ids = data.checks.map((c) => c.id);
      assert.deepEqual(ids, [
        'clock_cluster',
        'clock_sync',
        'store',
        'https_certificate',
        'webauthn',
        'pam',
        'break_glass',
        'failure_spikes',
      ]);
      const https = data.checks.find((c) => c.id === 'https_certificate');
      assert.equal(https?.status, 'ok');
      assert.match(https.evidence.join('\n'), /plain HTTP/);
      assert.equal(data.checks.find((c) => c.id === 'store')?.status, 'ok');
      assert.equal((await ask('bob@pve')).statusCode, 403);
    } finally {
      await app.close();
      await live.close();
    }
  });
});
