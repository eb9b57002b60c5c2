/**
 * Explaining failed logins end to end: a running `tessera serve` records every attempt in its
 * store; `tessera explain <user>` (another process, the same store) and
 * `GET /access/tessera/logins` give each with its cause code, the words and the next step.
 * The failures are made through the real paths: wrong password, unknown user, the wrong realm,
 * a disabled or expired user, an unknown realm, a realm requiring a second factor, wrong TOTP
 * codes up to both locks, an expired ticket and one from a node whose clock is ahead, a
 * missing CSRF token, an expired API token, a directory unreachable, with an untrusted
 * certificate or rejecting the service account (a real slapd), a forged OpenID state,
 * throttling.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { serverKeys } from '../../src/auth/server-keys.js';
import { signTicket } from '../../src/auth/ticket.js';
import { ADVICE } from '../../src/diagnostics/advice.js';
import { readEvents } from '../../src/diagnostics/events.js';
import { assemble } from '../../src/store/assemble.js';
import { openStore } from '../../src/store/open.js';
import { hotpCode } from '../../src/tfa/totp.js';
import { runCli } from '../support/cli.js';
import { startSlapd, type Slapd } from '../support/slapd.js';
import { freePort, start, stop } from '../support/serve.js';

describe('explaining failed logins', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-explain-'));
  const storeUrl = `sqlite:${join(dir, 'tessera.db')}`;
  let port: number;
  let server: ReturnType<typeof start>;
  let password: string;
  let admin: { ticket: string; csrf: string };
  let slapd: Slapd;

  const call = async (
    method: string,
    path: string,
    form: Record<string, string> = {},
    headers: Record<string, string> = {},
  ) => {
    const response = await fetch(`http://localhost:${String(port)}/api2/json${path}`, {
      method,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      ...(method === 'GET' ? {} : { body: new URLSearchParams(form).toString() }),
    });
    // Refusals before a method runs carry the cause in the status line only.
    const text = await response.text();
    return {
      status: response.status,
      body: (text === '' ? { data: null } : JSON.parse(text)) as { data: unknown },
    };
  };
  const as = (auth: { ticket: string; csrf: string }) => ({
    cookie: `PVEAuthCookie=${encodeURIComponent(auth.ticket)}`,
    csrfpreventiontoken: auth.csrf,
  });
  const login = (username: string, pass: string, realm?: string) =>
    call('POST', '/access/ticket', { username, password: pass, ...(realm ? { realm } : {}) });

  before(async () => {
    slapd = await startSlapd({ users: [{ uid: 'alice', password: 'alice-pw' }] });
    port = await freePort();
    server = start(dir, port, [
      '--listen',
      `localhost:${String(port)}`,
      '--http',
      '--login-delay',
      '0',
      '--throttle',
      '8/60/300',
      '--node-name',
      'pve1',
      // Small lockout limits, so that both locks are reached quickly (named options).
      '--totp-failure-limit',
      '3',
      '--tfa-failure-limit',
      '6',
    ]);
    await server.ready;
    password = /password: (\S+)/.exec(server.output())?.[1] ?? '';
    const ok = await login('admin@pve', password);
    assert.equal(ok.status, 200);
    const data = ok.body.data as { ticket: string; CSRFPreventionToken: string };
    admin = { ticket: data.ticket, csrf: data.CSRFPreventionToken };
  });

  after(async () => {
    await stop(server.child);
    await slapd.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records each failure with its cause, and explain gives the words and the next step', async () => {
    const changes = async (method: string, path: string, form: Record<string, string>) => {
      const answer = await call(method, path, form, as(admin));
      assert.equal(answer.status, 200, `${path}: ${JSON.stringify(answer.body)}`);
      return answer.body.data;
    };
    await changes('POST', '/access/users', { userid: 'carol@pve', password: 'carol-password' });
    await changes('POST', '/access/users', {
      userid: 'dan@pve',
      password: 'dan-password',
      enable: '0',
    });
    await changes('POST', '/access/users/carol@pve/token/old', { expire: '1000000000' });
    await changes('POST', '/access/domains', {
      realm: 'corp',
      type: 'ldap',
      server1: '127.0.0.1',
      port: String(await freePort()),
      base_dn: 'dc=example,dc=com',
      user_attr: 'uid',
    });
    await changes('POST', '/access/users', { userid: 'erin@corp' });
    await changes('POST', '/access/users', {
      userid: 'old@pve',
      password: 'old-password',
      expire: '1000000000',
    });
    await changes('POST', '/access/users', { userid: 'tim@pve', password: 'tim-password' });
    await changes('POST', '/access/users', { userid: 'una@pve', password: 'una-password' });
    // A TOTP app for tim (the admin enrolls it, with the admin's own password).
    const secret = 'JBSWY3DPEHPK3PXP';
    const uri = `otpauth://totp/Tessera:tim%40pve?secret=${secret}&issuer=Tessera`;
    const totp = {
      secret: Buffer.from('48656c6c6f21deadbeef', 'hex'),
      algorithm: 'SHA1' as const,
      digits: 6,
    };
    await changes('POST', '/access/tfa/tim@pve', {
      type: 'totp',
      description: 'phone',
      totp: uri,
      value: hotpCode(totp, Math.floor(Date.now() / 30_000)),
      password,
    });
    // Directories: one with a CA Tessera does not trust, one with a wrong service password.
    await changes('POST', '/access/domains', {
      realm: 'tls',
      type: 'ldap',
      server1: '127.0.0.1',
      port: String(slapd.ldapsPort),
      mode: 'ldaps',
      verify: '1',
      capath: slapd.otherCaFile,
      base_dn: slapd.peopleDn,
      user_attr: 'uid',
    });
    await changes('POST', '/access/domains', {
      realm: 'bind',
      type: 'ldap',
      server1: '127.0.0.1',
      port: String(slapd.port),
      base_dn: slapd.peopleDn,
      user_attr: 'uid',
      bind_dn: slapd.serviceDn,
      password: 'not-the-service-password',
    });
    await changes('POST', '/access/users', { userid: 'alice@tls' });
    await changes('POST', '/access/users', { userid: 'alice@bind' });

    assert.equal((await login('carol@pve', 'wrong')).status, 401);
    assert.equal((await login('nobody@pve', 'x')).status, 401);
    assert.equal((await login('root', 'x', 'pve')).status, 401);
    assert.equal((await login('dan@pve', 'dan-password')).status, 401);
    assert.equal((await login('erin@corp', 'erin-password')).status, 401);
    assert.equal((await login('alice@tls', 'alice-pw')).status, 401);
    assert.equal((await login('alice@bind', 'alice-pw')).status, 401);
    assert.equal((await login('old@pve', 'old-password')).status, 401);
    assert.equal((await login('alice', 'x', 'nope')).status, 401);

    // TOTP: wrong codes lock TOTP at the 3rd, every factor at the 6th failure.
    const step = async (answer: string) => {
      const first = await login('tim@pve', 'tim-password');
      const data = first.body.data as { ticket: string; NeedTFA?: number };
      assert.equal(data.NeedTFA, 1);
      return call('POST', '/access/ticket', {
        username: 'tim@pve',
        'tfa-challenge': data.ticket,
        password: answer,
      });
    };
    for (let i = 0; i < 3; i++) assert.equal((await step('totp:000000')).status, 401);
    for (let i = 0; i < 3; i++)
      assert.equal((await step('recovery:0000-0000-0000-0000')).status, 401);
    assert.equal((await step('totp:000000')).status, 401);

    // A realm that requires a second factor, for a user without one.
    await changes('PUT', '/access/domains/pve', { tfa: 'type=oath' });
    assert.equal((await login('una@pve', 'una-password')).status, 401);
    await changes('PUT', '/access/domains/pve', { delete: 'tfa' });

    // Tickets: one issued 3 hours ago, one by a node whose clock is 10 minutes ahead.
    const store = await openStore(storeUrl);
    const keys = serverKeys(assemble(await store.snapshot()));
    await store.close();
    assert.ok(keys);
    const now = Math.floor(Date.now() / 1000);
    for (const issued of [now - 3 * 3600, now + 600]) {
      const ticket = signTicket(keys.ring, 'PVE', 'carol@pve', issued);
      const refused = await call(
        'GET',
        '/access/permissions',
        {},
        {
          cookie: `PVEAuthCookie=${encodeURIComponent(ticket)}`,
        },
      );
      assert.equal(refused.status, 401);
    }
    // A change with the ticket cookie but no CSRF token.
    const noCsrf = await call(
      'POST',
      '/access/groups',
      { groupid: 'x' },
      {
        cookie: `PVEAuthCookie=${encodeURIComponent(admin.ticket)}`,
      },
    );
    assert.equal(noCsrf.status, 401);
    const expiredToken = await call(
      'GET',
      '/access/permissions',
      {},
      {
        authorization: 'PVEAPIToken=carol@pve!old=00000000-0000-0000-0000-000000000000',
      },
    );
    assert.equal(expiredToken.status, 401);
    assert.equal(
      (
        await call('POST', '/access/openid/login', {
          state: 'forged',
          code: 'x',
          'redirect-url': 'https://a.example/',
        })
      ).status,
      401,
    );
    for (let i = 0; i < 9; i++) await login('mallory@pve', 'guess');

    // Events are written about once a second.
    const expected = [
      'wrong_password',
      'unknown_user',
      'realm_mismatch_suspected',
      'user_disabled',
      'user_expired',
      'unknown_realm',
      'tfa_required',
      'tfa_wrong_code',
      'totp_locked',
      'tfa_locked',
      'ldap_unreachable',
      'ldap_tls',
      'ldap_bind_rejected',
      'ticket_expired',
      'ticket_not_yet_valid',
      'csrf_missing',
      'token_expired',
      'oidc_state_mismatch',
      'throttled',
    ];
    const deadline = Date.now() + 5000;
    let causes: string[] = [];
    while (Date.now() < deadline) {
      const reader = await openStore(storeUrl);
      causes = (await readEvents(reader)).map((e) => String(e.cause));
      await reader.close();
      if (expected.every((c) => causes.includes(c))) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    for (const cause of expected)
      assert.ok(causes.includes(cause), `${cause} in ${causes.join(', ')}`);

    const carol = await runCli('--store', storeUrl, 'explain', 'carol@pve', '--since', '1h');
    assert.equal(carol.status, 0, carol.stderr);
    assert.match(
      carol.stdout,
      /carol@pve {2}FAILED \(wrong_password\): wrong password from 127\.0\.0\.1|FAILED \(wrong_password\)/,
    );
    assert.match(carol.stdout, /FAILED \(ticket_not_yet_valid\)/);
    assert.match(carol.stdout, /next step: synchronise the clocks/);
    assert.match(carol.stdout, /reason: ticket issued \d+ s in the future/);
    const root = await runCli('--store', storeUrl, 'explain', 'root');
    assert.match(root.stdout, /FAILED \(realm_mismatch_suspected\)/);
    assert.match(root.stdout, /exists in realm 'pam'/);
    assert.match(
      root.stdout,
      new RegExp(ADVICE.realm_mismatch_suspected.next.slice(0, 30).replace(/[()]/g, '.')),
    );
    const erin = await runCli(
      '--store',
      storeUrl,
      '--output-format',
      'json',
      'explain',
      'erin@corp',
    );
    const erinEvents = JSON.parse(erin.stdout) as {
      cause: string;
      reason: string;
      next: string;
      node: string;
    }[];
    const [erinEvent] = erinEvents;
    assert.ok(erinEvent);
    assert.equal(erinEvent.cause, 'ldap_unreachable');
    assert.match(erinEvent.reason, /LDAP server 127\.0\.0\.1:\d+ unreachable/);
    assert.equal(erinEvent.node, 'pve1');
    const tim = await runCli('--store', storeUrl, 'explain', 'tim@pve');
    assert.match(
      tim.stdout,
      /FAILED \(totp_locked\)[^\n]*\n[^\n]*\n\s+next step: log in with a recovery key/,
    );
    assert.match(tim.stdout, /FAILED \(tfa_locked\)/);
    const tls = await runCli('--store', storeUrl, 'explain', 'alice@tls');
    assert.match(tls.stdout, /FAILED \(ldap_tls\)/);
    assert.match(tls.stdout, /next step: check the realm's capath/);

    // Over the API: auditors only.
    const api = await call('GET', '/access/tessera/logins?userid=admin@pve', {}, as(admin));
    assert.equal(api.status, 200);
    const adminEvents = api.body.data as { outcome: string; reason: string }[];
    assert.ok(adminEvents.some((e) => e.outcome === 'success' && e.reason === 'password'));
    const carolLogin = await login('carol@pve', 'carol-password');
    const carolData = carolLogin.body.data as { ticket: string; CSRFPreventionToken: string };
    const denied = await call(
      'GET',
      '/access/tessera/logins',
      {},
      as({ ticket: carolData.ticket, csrf: carolData.CSRFPreventionToken }),
    );
    assert.equal(denied.status, 403);
  });
});
