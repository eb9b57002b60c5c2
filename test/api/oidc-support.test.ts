/**
 * Self-test of test/support/oidc-provider.ts: openid-client v6 runs the authorization code
 * flow with PKCE, state and nonce against the test provider, a real Chromium logs in through
 * the provider's pages, and the ID token and userinfo carry the configured claims. A tampered
 * state is refused by openid-client.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import type { Browser, BrowserContext } from 'playwright-core';
import {
  completeLoginInBrowser,
  launchChromium,
  startOidcProvider,
  type OidcProvider,
} from '../support/oidc-provider.js';

const REDIRECT_URI = 'http://127.0.0.1:8006/oidc/callback';

interface Flow {
  url: URL;
  verifier: string;
  state: string;
  nonce: string;
}

async function authorizationRequest(config: client.Configuration): Promise<Flow> {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid email profile',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  return { url, verifier, state, nonce };
}

describe('test OpenID provider with openid-client and Chromium', { timeout: 60_000 }, () => {
  let provider: OidcProvider;
  let browser: Browser;
  let context: BrowserContext;
  let config: client.Configuration;

  before(async () => {
    [provider, browser] = await Promise.all([
      startOidcProvider({
        redirectUris: [REDIRECT_URI],
        accounts: [
          {
            sub: 'alice',
            claims: {
              email: 'alice@example.com',
              email_verified: true,
              preferred_username: 'alice.a',
              given_name: 'Alice',
              family_name: 'Anderson',
              groups: ['admins', 'ops'],
            },
          },
        ],
      }),
      launchChromium(),
    ]);
    context = await browser.newContext();
    config = await client.discovery(
      new URL(provider.issuer),
      provider.clientId,
      provider.clientSecret,
      undefined,
      // The test provider speaks plain HTTP on 127.0.0.1.
      // eslint-disable-next-line @typescript-eslint/no-deprecated
      { execute: [client.allowInsecureRequests] },
    );
  });

  after(async () => {
    await browser.close();
    await provider.stop();
  });

  it('logs in: ID token and userinfo carry sub, nonce, email, names and groups', async () => {
    const flow = await authorizationRequest(config);
    const page = await context.newPage();
    const redirected = await completeLoginInBrowser(page, flow.url.href, 'alice', REDIRECT_URI);
    await page.close();
    assert.equal(redirected.origin + redirected.pathname, REDIRECT_URI);
    assert.equal(redirected.searchParams.get('state'), flow.state);
    assert.ok(redirected.searchParams.get('code'));

    const tokens = await client.authorizationCodeGrant(config, redirected, {
      pkceCodeVerifier: flow.verifier,
      expectedState: flow.state,
      expectedNonce: flow.nonce,
    });
    const claims = tokens.claims();
    assert.ok(claims);
    assert.equal(claims.sub, 'alice');
    assert.equal(claims.nonce, flow.nonce);
    assert.equal(claims.iss, provider.issuer);
    assert.equal(claims.aud, 'tessera');
    assert.equal(claims['email'], 'alice@example.com');
    assert.equal(claims['email_verified'], true);
    assert.equal(claims['preferred_username'], 'alice.a');
    assert.equal(claims['given_name'], 'Alice');
    assert.equal(claims['family_name'], 'Anderson');
    assert.deepEqual(claims['groups'], ['admins', 'ops']);

    const userinfo = await client.fetchUserInfo(config, tokens.access_token, 'alice');
    assert.equal(userinfo.email, 'alice@example.com');
    assert.equal(userinfo.preferred_username, 'alice.a');
    assert.deepEqual(userinfo['groups'], ['admins', 'ops']);
  });

  it('an unknown login gets just sub; setAccount and setRedirectUris apply at once', async () => {
    const otherRedirect = 'https://localhost:8006/other/callback';
    provider.setRedirectUris([REDIRECT_URI, otherRedirect]);
    provider.setAccount({ sub: 'bob', claims: { groups: ['users'] } });

    const page = await context.newPage();
    const unknown = await authorizationRequest(config);
    const first = await completeLoginInBrowser(page, unknown.url.href, 'carol', REDIRECT_URI);
    const carol = await client.authorizationCodeGrant(config, first, {
      pkceCodeVerifier: unknown.verifier,
      expectedState: unknown.state,
      expectedNonce: unknown.nonce,
    });
    assert.equal(carol.claims()?.sub, 'carol');
    assert.equal(carol.claims()?.['groups'], undefined);
    assert.equal(carol.claims()?.['email'], undefined);

    // A fresh login (the helper drops the provider's session cookie) to the other redirect URI.
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: otherRedirect,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: 'bob-state',
    });
    const second = await completeLoginInBrowser(page, url.href, 'bob', otherRedirect);
    await page.close();
    const bob = await client.authorizationCodeGrant(config, second, {
      pkceCodeVerifier: verifier,
      expectedState: 'bob-state',
    });
    assert.equal(bob.claims()?.sub, 'bob');
    assert.deepEqual(bob.claims()?.['groups'], ['users']);
  });

  it('openid-client refuses a tampered state', async () => {
    const flow = await authorizationRequest(config);
    const page = await context.newPage();
    const redirected = await completeLoginInBrowser(page, flow.url.href, 'alice', REDIRECT_URI);
    await page.close();
    const tampered = new URL(redirected);
    tampered.searchParams.set('state', `${flow.state}x`);
    await assert.rejects(
      client.authorizationCodeGrant(config, tampered, {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
      }),
      (error: Error) =>
        error.cause instanceof Error &&
        error.cause.message.includes('unexpected "state" response parameter value'),
    );
  });

  it('PKCE is required: a request without code_challenge ends in an error redirect', async () => {
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      state: 'no-pkce',
    });
    const page = await context.newPage();
    const redirected = await completeLoginInBrowser(page, url.href, 'alice', REDIRECT_URI);
    await page.close();
    assert.equal(redirected.searchParams.get('error'), 'invalid_request');
    assert.match(redirected.searchParams.get('error_description') ?? '', /PKCE/);
  });
});
