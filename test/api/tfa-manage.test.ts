/**
 * Managing second factors over HTTP with Proxmox's `/access/tfa` API, and what the login
 * makes of the result: TOTP enrollment (checked code, re-entered password, the code not
 * replayable afterwards), recovery keys, disabling and deleting entries (user.cfg `keys`
 * follows), who may change whose factors, Yubico OTP against a local validation server in a
 * realm that requires it, legacy user.cfg keys in an `oath` realm, and the one-step `otp`
 * login parameter.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/server.js';
import { csrfToken } from '../../src/auth/csrf.js';
import { hashPassword } from '../../src/auth/password.js';
import { serverKeys } from '../../src/auth/server-keys.js';
import { ensureServerKeys } from '../../src/services/server-keys.js';
import { ticketTime } from '../../src/auth/sessions.js';
import { signTicket } from '../../src/auth/ticket.js';
import { parseAclPath } from '../../src/model/acl-path.js';
import {
  parseGroupId,
  parseRealmId,
  parseRoleId,
  parseTokenName,
  parseUserId,
} from '../../src/model/ids.js';
import { parseTotpUri, type TotpParameters } from '../../src/model/totp-uri.js';
import { modifyAcl } from '../../src/services/acl.js';
import { bootstrap } from '../../src/services/bootstrap.js';
import { liveContext, type ServiceContext } from '../../src/services/context.js';
import { createGroup } from '../../src/services/groups.js';
import { updateRealm } from '../../src/services/realms.js';
import { createToken } from '../../src/services/tokens.js';
import { createUser } from '../../src/services/users.js';
import { LiveAccess } from '../../src/store/live.js';
import { MemoryStore } from '../../src/store/memory.js';
import { hotpCode } from '../../src/tfa/totp.js';
import { makeOtp, startYubicoServer, type YubicoServer } from '../support/yubico-server.js';

const NOW = 1_800_000_000;
const STEP = Math.floor(NOW / 30);
const RECOVERY_KEY = /^[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}$/;
const ALL_SLOTS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

type Json = Record<string, unknown>;

interface Reply {
  readonly status: number;
  readonly data: unknown;
  readonly message: string | undefined;
  readonly errors: Readonly<Record<string, string>> | undefined;
}

/** A user (by ticket), an API token (`user@realm!name` and its secret), or nobody. */
type Caller = string | { readonly tokenid: string; readonly secret: string } | undefined;

interface Harness {
  readonly live: LiveAccess;
  /** The causes of authentication failures, in order. */
  readonly failures: string[];
  call(
    method: string,
    path: string,
    as: Caller,
    form?: Readonly<Record<string, string>>,
  ): Promise<Reply>;
  login(form: Readonly<Record<string, string>>): Promise<Reply>;
  close(): Promise<void>;
}

/** A fresh store with root@pam, admin@pve and server keys; `prepare` adds the rest. */
async function startHarness(
  prepare: (ctx: ServiceContext, adminPassword: string) => Promise<void>,
): Promise<Harness> {
  const live = await LiveAccess.open(new MemoryStore());
  const ctx = liveContext(live);
  const adminPassword = (await bootstrap(ctx)) ?? '';
  await ensureServerKeys(ctx, NOW - 100);
  await prepare(ctx, adminPassword);
  const failures: string[] = [];
  const app: FastifyInstance = await buildApi({
    live,
    now: () => NOW,
    authFailureDelayMs: 0,
    throttle: false,
    onAuthFailure: (event: { cause: string }) => failures.push(event.cause),
  });
  const reply = (response: { statusCode: number; body: string }): Reply => {
    const body = JSON.parse(response.body) as {
      data: unknown;
      message?: string;
      errors?: Record<string, string>;
    };
    return {
      status: response.statusCode,
      data: body.data,
      message: body.message,
      errors: body.errors,
    };
  };
  return {
    live,
    failures,
    async call(method, path, as, form = {}) {
      const headers: Record<string, string> = {};
      if (typeof as === 'string') {
        const keys = serverKeys(live.snapshot);
        assert.ok(keys);
        // A session of the caller valid now: after a second-factor reset revoked the older
        // ones, a new login's, dated as a login would date it.
        const issued = ticketTime(live.snapshot, as, NOW);
        headers['cookie'] =
          `PVEAuthCookie=${encodeURIComponent(signTicket(keys.ring, 'PVE', as, issued))}`;
        if (method !== 'GET')
          headers['csrfpreventiontoken'] = csrfToken(keys.csrfSecret, as, issued);
      } else if (as !== undefined) {
        headers['authorization'] = `PVEAPIToken=${as.tokenid}=${as.secret}`;
      }
      const encoded = new URLSearchParams(form).toString();
      const inBody = method === 'POST' || method === 'PUT';
      if (inBody) headers['content-type'] = 'application/x-www-form-urlencoded';
      const response = await app.inject({
        method: method as 'GET',
        url: `/api2/json${path}${!inBody && encoded !== '' ? `?${encoded}` : ''}`,
        headers,
        ...(inBody ? { payload: encoded } : {}),
      });
      return reply(response);
    },
    async login(form) {
      return reply(
        await app.inject({
          method: 'POST',
          url: '/api2/json/access/ticket',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams(form).toString(),
        }),
      );
    },
    async close() {
      await app.close();
      await live.close();
    },
  };
}

function object(value: unknown): Json {
  assert.equal(typeof value, 'object');
  assert.ok(value !== null && !Array.isArray(value));
  return value as Json;
}

function list(value: unknown): Json[] {
  assert.ok(Array.isArray(value), `expected a list, got ${JSON.stringify(value)}`);
  return value.map(object);
}

/** The challenge a partial ticket carries: `PVE:!tfa!<json, ':' as %3A>:<time>::<sig>`. */
function challengeOf(ticket: string): Json {
  const match = /^PVE:!tfa!(\S+):[0-9A-F]{8}::[^:]+$/.exec(ticket);
  assert.ok(match?.[1], `not a partial ticket: ${ticket}`);
  return object(JSON.parse(match[1].replaceAll('%3A', ':')));
}

/** Step one for a user with second factors: the partial ticket and its challenge. */
async function stepOne(
  h: Harness,
  username: string,
  password: string,
): Promise<{ ticket: string; challenge: Json }> {
  const first = await h.login({ username, password });
  assert.equal(first.status, 200, `step one of ${username}: ${String(first.message)}`);
  const data = object(first.data);
  assert.equal(data['NeedTFA'], 1);
  assert.equal(data['cap'], undefined);
  const ticket = String(data['ticket']);
  return { ticket, challenge: challengeOf(ticket) };
}

async function stepTwo(h: Harness, username: string, partial: string, answer: string) {
  return h.login({ username, 'tfa-challenge': partial, password: answer });
}

/** A completed login: a full ticket for the user, capabilities, no second step pending. */
function assertFullLogin(reply: Reply, userid: string): void {
  assert.equal(reply.status, 200, `login of ${userid}: ${String(reply.message)}`);
  const data = object(reply.data);
  assert.equal(data['NeedTFA'], undefined);
  assert.ok(String(data['ticket']).startsWith(`PVE:${userid}:`), String(data['ticket']));
  assert.equal(typeof data['cap'], 'object');
}

/** A six-digit code that none of the steps around now accepts. */
function wrongCode(totp: TotpParameters): string {
  const valid = new Set([-2, -1, 0, 1, 2].map((d) => hotpCode(totp, STEP + d)));
  for (let n = 123_456; ; n++) {
    const candidate = String(n % 1_000_000).padStart(6, '0');
    if (!valid.has(candidate)) return candidate;
  }
}

describe('managing second factors over /access/tfa', () => {
  let h: Harness;
  let adminPassword = '';
  let tokenSecret = '';
  const alice = 'alice@pve';
  const ALICE_PASSWORD = 'alice password';
  let totp: TotpParameters;
  let totpId = '';
  let recovery: string[] = [];

  before(async () => {
    h = await startHarness(async (ctx, admin) => {
      adminPassword = admin;
      const user = async (name: string, extra: { groups?: string[] } = {}) => {
        await createUser(ctx, {
          userid: parseUserId(name),
          passwordHash: await hashPassword(`${name.split('@')[0] ?? ''} password`),
          ...(extra.groups ? { groups: extra.groups.map((g) => parseGroupId(g)) } : {}),
        });
      };
      await createGroup(ctx, parseGroupId('staff'));
      await user(alice);
      await user('bob@pve');
      await user('carol@pve');
      await user('dave@pve', { groups: ['staff'] });
      await user('eve@pve');
      // eve administers the users of group staff (dave), nobody else.
      await modifyAcl(ctx, {
        path: parseAclPath('/access/groups/staff'),
        roles: [parseRoleId('PVEUserAdmin')],
        users: [parseUserId('eve@pve')],
      });
      tokenSecret = (
        await createToken(ctx, parseUserId(alice), parseTokenName('ci'), { privsep: false })
      ).value;
    });
  });
  after(async () => {
    await h.close();
  });

  const keysOf = (userid: string): string | undefined =>
    h.live.snapshot.users.users.get(parseUserId(userid))?.keys;

  it('hands out a TOTP secret with its otpauth URI and QR codes', async () => {
    const enrollment = await h.call('GET', `/access/tfa/${alice}/totp-enrollment`, alice);
    assert.equal(enrollment.status, 200, enrollment.message);
    const data = object(enrollment.data);
    const uri = String(data['uri']);
    totp = parseTotpUri(uri);
    assert.equal(totp.account, alice);
    assert.equal(totp.digits, 6);
    assert.equal(totp.period, 30);
    assert.equal(totp.secret.length, 20);
    assert.match(String(data['secret']), /^[A-Z2-7]{32}$/);
    assert.ok(uri.includes(`secret=${String(data['secret'])}`));
    const png = String(data['png']);
    assert.ok(png.startsWith('data:image/png;base64,'), png.slice(0, 40));
    assert.deepEqual(
      [...Buffer.from(png.slice('data:image/png;base64,'.length), 'base64').subarray(0, 8)],
      [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
    );
    const svg = String(data['svg']);
    assert.ok(svg.startsWith('data:image/svg+xml;base64,'), svg.slice(0, 40));
    assert.match(
      Buffer.from(svg.slice('data:image/svg+xml;base64,'.length), 'base64').toString('utf8'),
      /<svg[\s>]/,
    );
    // Each call is a fresh secret.
    const again = object((await h.call('GET', `/access/tfa/${alice}/totp-enrollment`, alice)).data);
    assert.notEqual(again['secret'], data['secret']);
  });

  it('adds the TOTP entry only with a matching code and the caller password', async () => {
    const uri = String(
      object((await h.call('GET', `/access/tfa/${alice}/totp-enrollment`, alice)).data)['uri'],
    );
    totp = parseTotpUri(uri);
    const form = { type: 'totp', totp: uri, description: 'phone', password: ALICE_PASSWORD };
    const revision = h.live.snapshot.revision;

    const wrong = await h.call('POST', `/access/tfa/${alice}`, alice, {
      ...form,
      value: wrongCode(totp),
    });
    assert.equal(wrong.status, 400);
    assert.match(wrong.errors?.['value'] ?? '', /code does not match/);

    const noPassword = await h.call('POST', `/access/tfa/${alice}`, alice, {
      type: 'totp',
      totp: uri,
      description: 'phone',
      value: hotpCode(totp, STEP),
    });
    assert.equal(noPassword.status, 400);
    assert.match(noPassword.errors?.['password'] ?? '', /password is required/);

    const badPassword = await h.call('POST', `/access/tfa/${alice}`, alice, {
      ...form,
      value: hotpCode(totp, STEP),
      password: 'not alice password',
    });
    assert.equal(badPassword.status, 401);

    const noDescription = await h.call('POST', `/access/tfa/${alice}`, alice, {
      type: 'totp',
      totp: uri,
      value: hotpCode(totp, STEP),
      password: ALICE_PASSWORD,
    });
    assert.equal(noDescription.status, 400);
    assert.ok(noDescription.errors?.['description']);

    const badUri = await h.call('POST', `/access/tfa/${alice}`, alice, {
      ...form,
      totp: 'otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP',
      value: hotpCode(totp, STEP),
    });
    assert.equal(badUri.status, 400);
    assert.ok(badUri.errors?.['totp']);

    // None of the refusals wrote anything.
    assert.equal(h.live.snapshot.revision, revision);
    assert.equal(h.live.snapshot.tfa.users.get(parseUserId(alice)), undefined);
    assert.equal(keysOf(alice), undefined);

    const added = await h.call('POST', `/access/tfa/${alice}`, alice, {
      ...form,
      value: hotpCode(totp, STEP),
    });
    assert.equal(added.status, 200, added.message);
    totpId = String(object(added.data)['id']);
    assert.match(totpId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

    // user.cfg marks the user as having entries in tfa.cfg, as Proxmox writes it.
    assert.equal(keysOf(alice), 'x');
    const account = await h.call('GET', `/access/users/${alice}`, 'root@pam');
    assert.equal(object(account.data)['keys'], 'x');

    const entry = { type: 'totp', id: totpId, description: 'phone', created: NOW };
    assert.deepEqual((await h.call('GET', `/access/tfa/${alice}`, alice)).data, [entry]);
    assert.deepEqual((await h.call('GET', `/access/tfa/${alice}/${totpId}`, alice)).data, entry);
    const missing = await h.call('GET', `/access/tfa/${alice}/nosuchid`, alice);
    assert.equal(missing.status, 404);
    const all = list((await h.call('GET', '/access/tfa', alice)).data);
    assert.deepEqual(all, [{ userid: alice, entries: [entry] }]);
  });

  it('refuses the enrollment code at login; the next code logs in', async () => {
    const { ticket, challenge } = await stepOne(h, alice, ALICE_PASSWORD);
    assert.deepEqual(challenge, { totp: true });
    const replay = await stepTwo(h, alice, ticket, `totp:${hotpCode(totp, STEP)}`);
    assert.equal(replay.status, 401);
    assert.equal(h.failures.at(-1), 'tfa_wrong_code');
    assertFullLogin(await stepTwo(h, alice, ticket, `totp:${hotpCode(totp, STEP + 1)}`), alice);
    // ... and that one is used up, too.
    const again = await stepTwo(h, alice, ticket, `totp:${hotpCode(totp, STEP + 1)}`);
    assert.equal(again.status, 401);
  });

  it('hands out recovery keys once; each logs in once', async () => {
    const added = await h.call('POST', `/access/tfa/${alice}`, alice, {
      type: 'recovery',
      password: ALICE_PASSWORD,
    });
    assert.equal(added.status, 200, added.message);
    const data = object(added.data);
    assert.equal(data['id'], 'recovery');
    assert.ok(Array.isArray(data['recovery']));
    recovery = (data['recovery'] as unknown[]).map(String);
    assert.equal(recovery.length, 10);
    for (const key of recovery) assert.match(key, RECOVERY_KEY);
    assert.equal(new Set(recovery).size, 10);

    const entries = list((await h.call('GET', `/access/tfa/${alice}`, alice)).data);
    assert.deepEqual(
      entries.map((e) => [e['type'], e['id']]),
      [
        ['totp', totpId],
        ['recovery', 'recovery'],
      ],
    );
    assert.equal(entries[1]?.['created'], NOW);

    const revision = h.live.snapshot.revision;
    const second = await h.call('POST', `/access/tfa/${alice}`, alice, {
      type: 'recovery',
      password: ALICE_PASSWORD,
    });
    // A refused change is a 500 with the reason, as Proxmox answers a `die` in its handler.
    assert.equal(second.status, 500);
    assert.equal(
      second.message,
      'adding the second factor failed: user already has recovery keys\n',
    );
    assert.equal(h.live.snapshot.revision, revision);
    // Recovery keys take no description, code or URI.
    const extra = await h.call('POST', `/access/tfa/${alice}`, alice, {
      type: 'recovery',
      description: 'x',
      password: ALICE_PASSWORD,
    });
    assert.equal(extra.status, 400);
    assert.ok(extra.errors?.['description']);

    const first = await stepOne(h, alice, ALICE_PASSWORD);
    assert.deepEqual(first.challenge, { totp: true, recovery: ALL_SLOTS });
    const key = recovery[3] ?? '';
    assertFullLogin(await stepTwo(h, alice, first.ticket, `recovery:${key}`), alice);
    const reuse = await stepTwo(h, alice, first.ticket, `recovery:${key}`);
    assert.equal(reuse.status, 401);
    const next = await stepOne(h, alice, ALICE_PASSWORD);
    assert.deepEqual(next.challenge['recovery'], [0, 1, 2, 4, 5, 6, 7, 8, 9]);
    // Another key still works, with the partial ticket of the new step one.
    assertFullLogin(await stepTwo(h, alice, next.ticket, `recovery:${recovery[9] ?? ''}`), alice);
    assert.deepEqual(
      (await stepOne(h, alice, ALICE_PASSWORD)).challenge['recovery'],
      [0, 1, 2, 4, 5, 6, 7, 8],
    );
  });

  it('disables, renames and deletes entries; the last one clears user.cfg keys', async () => {
    const path = `/access/tfa/${alice}/${totpId}`;
    const disabled = await h.call('PUT', path, alice, { enable: '0', password: ALICE_PASSWORD });
    assert.equal(disabled.status, 200, disabled.message);
    assert.equal(disabled.data, null);
    assert.equal(object((await h.call('GET', path, alice)).data)['enable'], false);
    // A disabled TOTP entry is not offered (recovery keys still are).
    const first = await stepOne(h, alice, ALICE_PASSWORD);
    assert.equal(first.challenge['totp'], undefined);
    assert.deepEqual(first.challenge['recovery'], [0, 1, 2, 4, 5, 6, 7, 8]);

    const renamed = await h.call('PUT', path, alice, {
      description: 'old phone',
      enable: '1',
      password: ALICE_PASSWORD,
    });
    assert.equal(renamed.status, 200, renamed.message);
    assert.deepEqual((await h.call('GET', path, alice)).data, {
      type: 'totp',
      id: totpId,
      description: 'old phone',
      created: NOW,
    });
    const control = await h.call('PUT', path, alice, {
      description: 'a\u0007b',
      password: ALICE_PASSWORD,
    });
    assert.equal(control.status, 400);
    assert.ok(control.errors?.['description']);
    const noPassword = await h.call('PUT', path, alice, { enable: '0' });
    assert.equal(noPassword.status, 400);
    assert.ok(noPassword.errors?.['password']);

    // Unknown ids change nothing and say so.
    const revision = h.live.snapshot.revision;
    const unknown = await h.call('DELETE', `/access/tfa/${alice}/nosuchid`, alice, {
      password: ALICE_PASSWORD,
    });
    assert.equal(unknown.status, 500);
    assert.equal(unknown.message, 'no such entry\n');
    const unknownPut = await h.call('PUT', `/access/tfa/${alice}/nosuchid`, alice, {
      enable: '0',
      password: ALICE_PASSWORD,
    });
    assert.equal(unknownPut.status, 500);
    assert.equal(unknownPut.message, 'no such entry\n');
    assert.equal(h.live.snapshot.revision, revision);

    const deleted = await h.call('DELETE', path, alice, { password: ALICE_PASSWORD });
    assert.equal(deleted.status, 200, deleted.message);
    assert.deepEqual(
      list((await h.call('GET', `/access/tfa/${alice}`, alice)).data).map((e) => e['id']),
      ['recovery'],
    );
    assert.equal(keysOf(alice), 'x');
    assert.equal((await h.call('GET', path, alice)).status, 404);

    const last = await h.call('DELETE', `/access/tfa/${alice}/recovery`, alice, {
      password: ALICE_PASSWORD,
    });
    assert.equal(last.status, 200, last.message);
    assert.deepEqual((await h.call('GET', `/access/tfa/${alice}`, alice)).data, []);
    assert.equal(keysOf(alice), undefined);
    assert.equal(h.live.snapshot.tfa.users.has(parseUserId(alice)), false);
    assert.equal(
      object((await h.call('GET', `/access/users/${alice}`, 'root@pam')).data)['keys'],
      undefined,
    );
    assert.deepEqual((await h.call('GET', '/access/tfa', alice)).data, []);
    // With no factors left, the password alone logs in.
    assertFullLogin(await h.login({ username: alice, password: ALICE_PASSWORD }), alice);

    const gone = await h.call('DELETE', `/access/tfa/${alice}/recovery`, alice, {
      password: ALICE_PASSWORD,
    });
    assert.equal(gone.status, 500);
    assert.equal(gone.message, 'no such entry\n');
  });

  it('refuses a Yubico entry in a realm not set up for it', async () => {
    const refused = await h.call('POST', `/access/tfa/${alice}`, alice, {
      type: 'yubico',
      value: makeOtp('ccccccbcgujh'),
      description: 'key',
      password: ALICE_PASSWORD,
    });
    assert.equal(refused.status, 400);
    assert.match(refused.errors?.['type'] ?? '', /not setup for Yubico/);
    const unknownType = await h.call('POST', `/access/tfa/${alice}`, alice, {
      type: 'sms',
      password: ALICE_PASSWORD,
    });
    assert.equal(unknownType.status, 400);
    assert.ok(unknownType.errors?.['type']);
  });

  it("keeps users out of each other's factors", async () => {
    const bob = 'bob@pve';
    const BOB_PASSWORD = 'bob password';
    // Both have factors: recovery keys, each added by the user. Two requests at once for
    // bob: one set only.
    const alicesKeys = await h.call('POST', `/access/tfa/${alice}`, alice, {
      type: 'recovery',
      password: ALICE_PASSWORD,
    });
    assert.equal(alicesKeys.status, 200, alicesKeys.message);
    const racing = await Promise.all(
      [1, 2].map(() =>
        h.call('POST', `/access/tfa/${bob}`, bob, { type: 'recovery', password: BOB_PASSWORD }),
      ),
    );
    assert.deepEqual(racing.map((r) => r.status).sort(), [200, 500]);
    const winner = racing.find((r) => r.status === 200);
    const bobsKeys = (object(winner?.data)['recovery'] as unknown[]).map(String);
    const { ticket } = await stepOne(h, bob, BOB_PASSWORD);
    assertFullLogin(await stepTwo(h, bob, ticket, `recovery:${bobsKeys[0] ?? ''}`), bob);
    const revision = h.live.snapshot.revision;

    // bob sees only himself, and cannot read or change alice's factors.
    const listed = list((await h.call('GET', '/access/tfa', bob)).data);
    assert.deepEqual(
      listed.map((u) => u['userid']),
      [bob],
    );
    assert.equal((await h.call('GET', `/access/tfa/${alice}`, bob)).status, 403);
    assert.equal((await h.call('GET', `/access/tfa/${alice}/recovery`, bob)).status, 403);
    assert.equal((await h.call('GET', `/access/tfa/${alice}/totp-enrollment`, bob)).status, 403);
    const changes: [string, string, Record<string, string>][] = [
      ['POST', `/access/tfa/${alice}`, { type: 'recovery', password: BOB_PASSWORD }],
      ['PUT', `/access/tfa/${alice}/recovery`, { description: 'x', password: BOB_PASSWORD }],
      ['DELETE', `/access/tfa/${alice}/recovery`, { password: BOB_PASSWORD }],
    ];
    for (const [method, path, form] of changes) {
      const refused = await h.call(method, path, bob, form);
      assert.equal(refused.status, 403, `${method} ${path}`);
    }
    assert.equal(h.live.snapshot.revision, revision);

    // root@pam sees everybody and changes alice's factors without a password.
    const all = list((await h.call('GET', '/access/tfa', 'root@pam')).data);
    assert.deepEqual(all.map((u) => u['userid']).sort(), [alice, bob]);
    const byRoot = await h.call('DELETE', `/access/tfa/${alice}/recovery`, 'root@pam');
    assert.equal(byRoot.status, 200, byRoot.message);
    assert.equal(keysOf(alice), undefined);
    const rootAdds = await h.call('POST', `/access/tfa/${alice}`, 'root@pam', {
      type: 'recovery',
    });
    assert.equal(rootAdds.status, 200, rootAdds.message);
    assert.equal(keysOf(alice), 'x');

    // Nobody but root@pam changes root@pam's factors, not even an Administrator.
    const atRoot = `/access/tfa/root@pam`;
    assert.equal(
      (await h.call('POST', atRoot, alice, { type: 'recovery', password: ALICE_PASSWORD })).status,
      403,
    );
    assert.equal(
      (await h.call('POST', atRoot, 'admin@pve', { type: 'recovery', password: adminPassword }))
        .status,
      403,
    );
    assert.equal(h.live.snapshot.tfa.users.has(parseUserId('root@pam')), false);
    const own = await h.call('POST', atRoot, 'root@pam', { type: 'recovery' });
    assert.equal(own.status, 200, own.message);
    assert.equal(
      (await h.call('DELETE', `${atRoot}/recovery`, 'admin@pve', { password: adminPassword }))
        .status,
      403,
    );
    assert.equal((await h.call('DELETE', `${atRoot}/recovery`, 'root@pam')).status, 200);
  });

  it('lets holders of User.Modify change the factors of their users, with their own password', async () => {
    // admin@pve: Administrator on / (User.Modify on /access/groups).
    const viaAdmin = `/access/tfa/${alice}/recovery`;
    const noPassword = await h.call('DELETE', viaAdmin, 'admin@pve');
    assert.equal(noPassword.status, 400);
    assert.ok(noPassword.errors?.['password']);
    // The password is the caller's, not the user's.
    const usersPassword = await h.call('DELETE', viaAdmin, 'admin@pve', {
      password: ALICE_PASSWORD,
    });
    assert.equal(usersPassword.status, 401);
    assert.equal(h.failures.at(-1), 'wrong_password');
    const byAdmin = await h.call('DELETE', viaAdmin, 'admin@pve', { password: adminPassword });
    assert.equal(byAdmin.status, 200, byAdmin.message);
    assert.equal(keysOf(alice), undefined);

    // eve: PVEUserAdmin on /access/groups/staff, whose member is dave.
    const EVE_PASSWORD = 'eve password';
    const forDave = await h.call('POST', '/access/tfa/dave@pve', 'eve@pve', {
      type: 'recovery',
      password: EVE_PASSWORD,
    });
    assert.equal(forDave.status, 200, forDave.message);
    assert.equal(keysOf('dave@pve'), 'x');
    const forAlice = await h.call('POST', `/access/tfa/${alice}`, 'eve@pve', {
      type: 'recovery',
      password: EVE_PASSWORD,
    });
    assert.equal(forAlice.status, 403);
    const seen = list((await h.call('GET', '/access/tfa', 'eve@pve')).data);
    assert.deepEqual(
      seen.map((u) => u['userid']),
      ['dave@pve'],
    );
    assert.equal((await h.call('GET', '/access/tfa/bob@pve', 'eve@pve')).status, 403);
    const removed = await h.call('DELETE', '/access/tfa/dave@pve/recovery', 'eve@pve', {
      password: EVE_PASSWORD,
    });
    assert.equal(removed.status, 200, removed.message);
    assert.equal(keysOf('dave@pve'), undefined);
  });

  it('refuses API tokens for changes and enrollment', async () => {
    const token = { tokenid: `${alice}!ci`, secret: tokenSecret };
    // The token works (so the refusals below are about the method).
    assert.equal((await h.call('GET', '/access/permissions', token)).status, 200);
    const revision = h.live.snapshot.revision;
    const calls: [string, string, Record<string, string>][] = [
      ['POST', `/access/tfa/${alice}`, { type: 'recovery', password: ALICE_PASSWORD }],
      ['PUT', `/access/tfa/${alice}/recovery`, { enable: '0', password: ALICE_PASSWORD }],
      ['DELETE', `/access/tfa/${alice}/recovery`, { password: ALICE_PASSWORD }],
      ['GET', `/access/tfa/${alice}/totp-enrollment`, {}],
    ];
    for (const [method, path, form] of calls) {
      const refused = await h.call(method, path, token, form);
      assert.equal(refused.status, 403, `${method} ${path}`);
      assert.match(refused.message ?? '', /not available with API token/);
    }
    assert.equal(h.live.snapshot.revision, revision);
  });

  it('completes a login in one step with a correct otp', async () => {
    // root@pam enrolls carol's TOTP (no password needed) with the previous step's code.
    const carol = 'carol@pve';
    const CAROL_PASSWORD = 'carol password';
    const uri = String(
      object((await h.call('GET', `/access/tfa/${carol}/totp-enrollment`, 'root@pam')).data)['uri'],
    );
    const carolTotp = parseTotpUri(uri);
    const added = await h.call('POST', `/access/tfa/${carol}`, 'root@pam', {
      type: 'totp',
      totp: uri,
      value: hotpCode(carolTotp, STEP - 1),
      description: 'token',
    });
    assert.equal(added.status, 200, added.message);

    const withOtp = (otp: string) => h.login({ username: carol, password: CAROL_PASSWORD, otp });
    const wrong = await withOtp(wrongCode(carolTotp));
    assert.equal(wrong.status, 401);
    assert.equal(h.failures.at(-1), 'tfa_wrong_code');
    const replayed = await withOtp(hotpCode(carolTotp, STEP - 1));
    assert.equal(replayed.status, 401);
    // A wrong password with the right code is still refused.
    const badPassword = await h.login({
      username: carol,
      password: 'not carol password',
      otp: hotpCode(carolTotp, STEP),
    });
    assert.equal(badPassword.status, 401);
    assertFullLogin(await withOtp(hotpCode(carolTotp, STEP)), carol);
    assertFullLogin(await withOtp(`totp:${hotpCode(carolTotp, STEP + 1)}`), carol);
    assert.equal((await withOtp(`totp:${hotpCode(carolTotp, STEP + 1)}`)).status, 401);
    // Without otp, the same user gets the two-step challenge.
    assert.deepEqual((await stepOne(h, carol, CAROL_PASSWORD)).challenge, { totp: true });
    // As in Proxmox, an otp for a user without second factors answers no challenge.
    const noFactors = await h.login({ username: 'eve@pve', password: 'eve password', otp: '1' });
    assert.equal(noFactors.status, 401);
    assert.equal(h.failures.at(-1), 'tfa_challenge_invalid');
    assertFullLogin(await h.login({ username: 'eve@pve', password: 'eve password' }), 'eve@pve');
  });
});

describe('Yubico OTP in a realm that requires it', () => {
  const KEY = 'mG5be6ZJU1qBGz24yPh/ESM3UdU=';
  const PUBLIC_ID = 'ccccccbcgujh';
  const OTHER_ID = 'ccccccdeffgh';
  const alice = 'alice@pve';
  const ALICE_PASSWORD = 'alice password';
  let server: YubicoServer;
  let h: Harness;
  let recovery: string[] = [];

  before(async () => {
    server = await startYubicoServer({ clients: { '42': KEY }, keys: [PUBLIC_ID, OTHER_ID] });
    h = await startHarness(async (ctx) => {
      await createUser(ctx, {
        userid: parseUserId(alice),
        passwordHash: await hashPassword(ALICE_PASSWORD),
      });
      await updateRealm(ctx, parseRealmId('pve'), {
        options: { tfa: `type=yubico,id=42,key=${KEY},url=${server.url}` },
      });
    });
  });
  after(async () => {
    await h.close();
    await server.close();
  });

  it('enrolls a YubiKey after the validation server accepts its OTP', async () => {
    const form = { type: 'yubico', description: 'yubikey', password: ALICE_PASSWORD };
    const revision = h.live.snapshot.revision;
    const notOtp = await h.call('POST', `/access/tfa/${alice}`, alice, {
      ...form,
      value: 'not an otp',
    });
    assert.equal(notOtp.status, 400);
    assert.ok(notOtp.errors?.['value']);
    const unknownKey = await h.call('POST', `/access/tfa/${alice}`, alice, {
      ...form,
      value: makeOtp('ccccccvvvvvv'),
    });
    assert.equal(unknownKey.status, 400);
    assert.match(unknownKey.errors?.['value'] ?? '', /BAD_OTP/);
    assert.equal(h.live.snapshot.revision, revision);

    const added = await h.call('POST', `/access/tfa/${alice}`, alice, {
      ...form,
      value: makeOtp(PUBLIC_ID),
    });
    assert.equal(added.status, 200, added.message);
    const id = String(object(added.data)['id']);
    assert.deepEqual((await h.call('GET', `/access/tfa/${alice}`, alice)).data, [
      { type: 'yubico', id, description: 'yubikey', created: NOW },
    ]);
    assert.equal(h.live.snapshot.users.users.get(parseUserId(alice))?.keys, 'x');

    const keys = await h.call('POST', `/access/tfa/${alice}`, alice, {
      type: 'recovery',
      password: ALICE_PASSWORD,
    });
    assert.equal(keys.status, 200, keys.message);
    recovery = (object(keys.data)['recovery'] as unknown[]).map(String);
  });

  it('logs in with a fresh OTP and refuses replays and other kinds of answer', async () => {
    const { ticket, challenge } = await stepOne(h, alice, ALICE_PASSWORD);
    assert.deepEqual(challenge, { yubico: true, recovery: ALL_SLOTS });

    const otp = makeOtp(PUBLIC_ID);
    assertFullLogin(await stepTwo(h, alice, ticket, `yubico:${otp}`), alice);
    const replay = await stepTwo(h, alice, ticket, `yubico:${otp}`);
    assert.equal(replay.status, 401);
    assert.equal(h.failures.at(-1), 'yubico_rejected');

    // The realm decides: a TOTP answer is refused whatever the code.
    const totp = await stepTwo(h, alice, ticket, 'totp:123456');
    assert.equal(totp.status, 401);
    assert.equal(h.failures.at(-1), 'tfa_required');

    // A key the server knows, but not alice's.
    const other = await stepTwo(h, alice, ticket, `yubico:${makeOtp(OTHER_ID)}`);
    assert.equal(other.status, 401);
    assert.equal(h.failures.at(-1), 'tfa_wrong_code');

    // Recovery keys still work in a Yubico realm.
    assertFullLogin(await stepTwo(h, alice, ticket, `recovery:${recovery[0] ?? ''}`), alice);

    // One step: the otp parameter with a yubico: answer.
    assertFullLogin(
      await h.login({
        username: alice,
        password: ALICE_PASSWORD,
        otp: `yubico:${makeOtp(PUBLIC_ID)}`,
      }),
      alice,
    );
  });

  it('refuses the login when the validation server is down', async () => {
    const { ticket } = await stepOne(h, alice, ALICE_PASSWORD);
    server.setMode('down');
    const counted = h.live.snapshot.tfa.users.get(parseUserId(alice))?.failures;
    try {
      const refused = await stepTwo(h, alice, ticket, `yubico:${makeOtp(PUBLIC_ID)}`);
      assert.equal(refused.status, 401);
      assert.equal(h.failures.at(-1), 'yubico_unreachable');
      // An outage of the validation server is not counted against the user.
      assert.deepEqual(h.live.snapshot.tfa.users.get(parseUserId(alice))?.failures, counted);
      const enroll = await h.call('POST', `/access/tfa/${alice}`, alice, {
        type: 'yubico',
        description: 'spare',
        value: makeOtp(OTHER_ID),
        password: ALICE_PASSWORD,
      });
      assert.equal(enroll.status, 400);
      assert.match(enroll.errors?.['value'] ?? '', /unreachable/);
    } finally {
      server.setMode('normal');
    }
    assertFullLogin(await stepTwo(h, alice, ticket, `yubico:${makeOtp(PUBLIC_ID)}`), alice);
  });
});

describe('legacy user.cfg keys in a realm with tfa=type=oath', () => {
  // base32 JBSWY3DPEHPK3PXP = "Hello!" + de ad be ef.
  const LEGACY: TotpParameters = {
    secret: Buffer.from('48656c6c6f21deadbeef', 'hex'),
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    account: 'legacy',
  };
  const legacy = 'legacy@pve';
  const none = 'none@pve';
  let h: Harness;

  before(async () => {
    h = await startHarness(async (ctx) => {
      await createUser(ctx, {
        userid: parseUserId(legacy),
        passwordHash: await hashPassword('legacy password'),
        keys: 'JBSWY3DPEHPK3PXP',
      });
      await createUser(ctx, {
        userid: parseUserId(none),
        passwordHash: await hashPassword('none password'),
      });
      await updateRealm(ctx, parseRealmId('pve'), { options: { tfa: 'type=oath' } });
    });
  });
  after(async () => {
    await h.close();
  });

  it('logs in with a TOTP code of the legacy key, once', async () => {
    const { ticket, challenge } = await stepOne(h, legacy, 'legacy password');
    assert.deepEqual(challenge, { totp: true });
    const yubico = await stepTwo(h, legacy, ticket, `yubico:${makeOtp('ccccccbcgujh')}`);
    assert.equal(yubico.status, 401);
    assert.equal(h.failures.at(-1), 'tfa_required');
    assertFullLogin(await stepTwo(h, legacy, ticket, `totp:${hotpCode(LEGACY, STEP)}`), legacy);
    const replay = await stepTwo(h, legacy, ticket, `totp:${hotpCode(LEGACY, STEP)}`);
    assert.equal(replay.status, 401);
    assert.equal(h.failures.at(-1), 'tfa_wrong_code');
  });

  it('refuses a user of the realm without any second factor', async () => {
    const refused = await h.login({ username: none, password: 'none password' });
    assert.equal(refused.status, 401);
    assert.equal(h.failures.at(-1), 'tfa_required');
    const oneStep = await h.login({ username: none, password: 'none password', otp: '123456' });
    assert.equal(oneStep.status, 401);
  });

  it('keeps the legacy key when the user gets more factors, and lets the new user in', async () => {
    // root@pam adds recovery keys: the legacy key moves into tfa.cfg, user.cfg says x.
    const added = await h.call('POST', `/access/tfa/${legacy}`, 'root@pam', { type: 'recovery' });
    assert.equal(added.status, 200, added.message);
    assert.equal(h.live.snapshot.users.users.get(parseUserId(legacy))?.keys, 'x');
    const types = list((await h.call('GET', `/access/tfa/${legacy}`, 'root@pam')).data).map(
      (e) => e['type'],
    );
    assert.deepEqual(types, ['totp', 'recovery']);
    const { ticket, challenge } = await stepOne(h, legacy, 'legacy password');
    assert.deepEqual(challenge, { totp: true, recovery: ALL_SLOTS });
    // The step used before is still used up; the next one logs in.
    const replay = await stepTwo(h, legacy, ticket, `totp:${hotpCode(LEGACY, STEP)}`);
    assert.equal(replay.status, 401);
    assertFullLogin(await stepTwo(h, legacy, ticket, `totp:${hotpCode(LEGACY, STEP + 1)}`), legacy);

    // The user without keys enrolls a TOTP entry (by root) and can log in from then on.
    const uri = String(
      object((await h.call('GET', `/access/tfa/${none}/totp-enrollment`, 'root@pam')).data)['uri'],
    );
    const totp = parseTotpUri(uri);
    const enrolled = await h.call('POST', `/access/tfa/${none}`, 'root@pam', {
      type: 'totp',
      totp: uri,
      value: hotpCode(totp, STEP),
      description: 'phone',
    });
    assert.equal(enrolled.status, 200, enrolled.message);
    assertFullLogin(
      await h.login({ username: none, password: 'none password', otp: hotpCode(totp, STEP + 1) }),
      none,
    );
  });
});
