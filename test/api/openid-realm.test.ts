/**
 * OpenID Connect realms against a real provider (oidc-provider on loopback), with the login
 * completed in Chromium: Proxmox's `auth-url` and `login` calls, user autocreation from the
 * claims, the groups claim mapped to `<group>-<realm>` (autocreate, overwrite), and every
 * failure cause: a tampered or reused state, an unknown user without autocreate, a code the
 * provider refuses, a provider that cannot be discovered.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { buildApi } from '../../src/api/server.js';
import { ensureServerKeys } from '../../src/services/server-keys.js';
import { parseGroupId, parseRealmId, parseUserId } from '../../src/model/ids.js';
import { bootstrap } from '../../src/services/bootstrap.js';
import { commit, liveContext, type ServiceContext } from '../../src/services/context.js';
import { createGroup } from '../../src/services/groups.js';
import { createRealm, updateRealm } from '../../src/services/realms.js';
import { updateUser } from '../../src/services/users.js';
import { MAX_PENDING_OIDC_LOGINS, OIDC_STARTS_PER_SOURCE } from '../../src/model/realm.js';
import { encodeOidcState, KEYS } from '../../src/store/codec.js';
import { LiveAccess } from '../../src/store/live.js';
import { MemoryStore } from '../../src/store/memory.js';
import {
  completeLoginInBrowser,
  launchChromium,
  startOidcProvider,
  type OidcProvider,
} from '../support/oidc-provider.js';
import { freePort } from '../support/serve.js';

const REDIRECT = 'https://pve.example.test:8006/';

describe('OpenID realm with oidc-provider and Chromium', { timeout: 90_000 }, () => {
  let provider: OidcProvider;
  let browser: Browser;
  let page: Page;
  let live: LiveAccess;
  let ctx: ServiceContext;
  let app: FastifyInstance;
  const events: { cause: string; reason: string }[] = [];
  const realm = parseRealmId('sso');

  before(async () => {
    provider = await startOidcProvider({
      redirectUris: [REDIRECT],
      accounts: [
        {
          sub: 'alice',
          claims: {
            email: 'alice@example.com',
            given_name: 'Alice',
            family_name: 'Liddell',
            groups: ['admins', 'ops', 'bad group!'],
          },
        },
      ],
    });
    browser = await launchChromium();
    page = await browser.newPage();
    live = await LiveAccess.open(new MemoryStore());
    ctx = liveContext(live);
    await bootstrap(ctx);
    await ensureServerKeys(ctx, Math.floor(Date.now() / 1000) - 10);
    await createRealm(ctx, realm, 'openid', {
      'issuer-url': provider.issuer,
      'client-id': provider.clientId,
      'client-key': provider.clientSecret,
      autocreate: true,
      'groups-claim': 'groups',
      'groups-autocreate': true,
    });
    app = await buildApi({
      live,
      authFailureDelayMs: 0,
      throttle: false,
      onAuthFailure: (event) => events.push(event),
    });
  });

  after(async () => {
    await app.close();
    await live.close();
    await browser.close();
    await provider.stop();
  });

  const post = async (path: string, form: Record<string, string>, from = '127.0.0.1') => {
    const response = await app.inject({
      method: 'POST',
      url: `/api2/json${path}`,
      remoteAddress: from,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams(form).toString(),
    });
    return {
      status: response.statusCode,
      data: (JSON.parse(response.body) as { data: unknown }).data,
    };
  };

  /** auth-url, the provider's pages in the browser, and the code and state it sent back. */
  const throughProvider = async (login = 'alice'): Promise<{ code: string; state: string }> => {
    const start = await post('/access/openid/auth-url', { realm: 'sso', 'redirect-url': REDIRECT });
    assert.equal(start.status, 200, JSON.stringify(start));
    const url = new URL(String(start.data));
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
    assert.ok(url.searchParams.get('nonce'));
    const back = await completeLoginInBrowser(page, url.href, login, REDIRECT);
    return {
      code: back.searchParams.get('code') ?? '',
      state: back.searchParams.get('state') ?? '',
    };
  };

  const finish = (answer: { code: string; state: string }) =>
    post('/access/openid/login', { ...answer, 'redirect-url': REDIRECT });

  it('logs in through the provider, creates the user and maps the groups claim', async () => {
    const answer = await throughProvider();
    const done = await finish(answer);
    assert.equal(done.status, 200, JSON.stringify(events));
    const data = done.data as Record<string, unknown>;
    assert.equal(data['username'], 'alice@sso');
    assert.match(String(data['ticket']), /^PVE:alice@sso:/);
    assert.ok(data['CSRFPreventionToken']);
    const user = live.snapshot.users.users.get(parseUserId('alice@sso'));
    assert.equal(user?.email, 'alice@example.com');
    assert.equal(user.firstname, 'Alice');
    assert.equal(user.lastname, 'Liddell');
    for (const group of ['admins-sso', 'ops-sso'])
      assert.ok(
        live.snapshot.users.groups.get(parseGroupId(group))?.members.has(parseUserId('alice@sso')),
        group,
      );
    assert.equal(live.snapshot.users.groups.size, 2, 'the invalid group name was skipped');

    // The same state again: used up.
    const again = await finish(answer);
    assert.equal(again.status, 401);
    assert.equal(events.at(-1)?.cause, 'oidc_state_mismatch');
  });

  it('overwrites group memberships when the realm says so', async () => {
    await createGroup(ctx, parseGroupId('local'));
    await updateUser(ctx, parseUserId('alice@sso'), {
      groups: [parseGroupId('local')],
      append: true,
    });
    provider.setAccount({ sub: 'alice', claims: { groups: ['ops'] } });
    await updateRealm(ctx, realm, { options: { 'groups-overwrite': true } });
    assert.equal((await finish(await throughProvider())).status, 200);
    const memberOf = [...live.snapshot.users.groups.values()]
      .filter((g) => g.members.has(parseUserId('alice@sso')))
      .map((g) => g.groupid);
    assert.deepEqual(memberOf, ['ops-sso']);
  });

  it('refuses a tampered state and a code the provider does not know', async () => {
    const answer = await throughProvider();
    const tampered = await finish({ ...answer, state: `${answer.state}x` });
    assert.equal(tampered.status, 401);
    assert.equal(events.at(-1)?.cause, 'oidc_state_mismatch');
    const badCode = await finish({ ...answer, code: 'not-the-code' });
    assert.equal(badCode.status, 401);
    assert.equal(events.at(-1)?.cause, 'oidc_code_rejected');
  });

  it('refuses an unknown user when autocreate is off', async () => {
    await updateRealm(ctx, realm, { options: { autocreate: false } });
    const answer = await throughProvider('mallory');
    const refused = await finish(answer);
    assert.equal(refused.status, 401);
    assert.equal(events.at(-1)?.cause, 'oidc_claim_missing');
    assert.match(events.at(-1)?.reason ?? '', /user 'mallory@sso' does not exist/);
    assert.equal(live.snapshot.users.users.has(parseUserId('mallory@sso')), false);
  });

  it('names a provider that cannot be discovered', async () => {
    const port = await freePort();
    await createRealm(ctx, parseRealmId('gone'), 'openid', {
      'issuer-url': `http://127.0.0.1:${String(port)}`,
      'client-id': 'tessera',
    });
    const start = await post('/access/openid/auth-url', {
      realm: 'gone',
      'redirect-url': REDIRECT,
    });
    assert.equal(start.status, 500);
    assert.equal(events.at(-1)?.cause, 'oidc_discovery_failed');
    await createRealm(ctx, parseRealmId('plain'), 'openid', {
      'issuer-url': 'http://idp.example.com',
      'client-id': 'tessera',
    });
    assert.equal(
      (await post('/access/openid/auth-url', { realm: 'plain', 'redirect-url': REDIRECT })).status,
      500,
    );
    assert.match(events.at(-1)?.reason ?? '', /must use https/);
  });

  it('bounds the OpenID logins one source may start, and those pending in all', async () => {
    const start = (from: string) =>
      post('/access/openid/auth-url', { realm: 'sso', 'redirect-url': REDIRECT }, from);
    let started = 0;
    while ((await start('203.0.113.5')).status === 200) started++;
    assert.equal(started, OIDC_STARTS_PER_SOURCE);
    const refused = await start('203.0.113.5');
    assert.equal(refused.status, 429);
    assert.equal((await start('203.0.113.6')).status, 200, 'another source still starts');

    const now = Math.floor(Date.now() / 1000);
    await commit(ctx, 'filling the pending OpenID logins', (changes) => {
      for (let i = changes.snapshot.oidcStates.size; i < MAX_PENDING_OIDC_LOGINS; i++)
        changes.put(
          KEYS.oidcState(`filler${String(i)}`),
          encodeOidcState({
            state: `filler${String(i)}`,
            realm,
            redirectUrl: REDIRECT,
            nonce: 'n',
            codeVerifier: 'v',
            created: now,
          }),
        );
    });
    assert.equal((await start('203.0.113.7')).status, 429);
  });
});
