/**
 * An OpenID Connect provider for tests: oidc-provider on http://127.0.0.1:<free port> with one
 * confidential client, and helpers to log in through its pages in Debian's Chromium.
 *
 * The provider:
 * - client `tessera` / `tessera-secret`, grant `authorization_code`, response type `code`;
 *   the token endpoint accepts client_secret_basic and client_secret_post alike (openid-client
 *   v6 sends client_secret_post by default when given a secret);
 * - PKCE (S256) required unless `requirePkce: false`;
 * - scopes `openid`, `email` (email, email_verified), `profile` (name, preferred_username,
 *   given_name, family_name, ...) and `groups` (groups). The `groups` claim is ALSO released
 *   with the `openid` scope, so `scope=openid email profile` yields it without asking for
 *   `groups`;
 * - `conformIdTokenClaims: false`: every claim the granted scopes release is in the ID token
 *   as well as in the userinfo response (not only `sub`);
 * - the ID token carries `nonce` when the authorization request had one;
 * - devInteractions: a login form (any login name, any password; the login name becomes the
 *   `sub`) and then a consent page. An account set with `setAccount` supplies the claims of
 *   that `sub`; an unknown `sub` has just `{ sub }`;
 * - its cookies are named `_oidc_op_*`, so they do not collide with a relying party on the
 *   same host (cookies ignore the port);
 * - redirect URIs match exactly. Beware: openid-client v6's `authorizationCodeGrant` sends as
 *   `redirect_uri` the callback URL without its query, so a bare origin registered as
 *   `https://host:8006` comes back as `https://host:8006/` and the token request fails with
 *   invalid_grant; register and request the form with the trailing slash, or use
 *   `setRedirectUris` to allow both.
 */
import { generateKeyPairSync, randomBytes, type JsonWebKey } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { chromium, type Browser, type Page } from 'playwright-core';
import { freePort } from './serve.js';

export interface OidcAccount {
  sub: string;
  /** e.g. email, email_verified, preferred_username, given_name, family_name, groups: string[] */
  claims: Record<string, unknown>;
}

export interface OidcProvider {
  /** http://127.0.0.1:<port>, no trailing slash */
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Adds or replaces the account with this `sub`. */
  setAccount(account: OidcAccount): void;
  /** Replaces the redirect URIs the client may use (exact match). */
  setRedirectUris(uris: string[]): void;
  stop(): Promise<void>;
}

export interface OidcProviderOptions {
  redirectUris: string[];
  accounts?: OidcAccount[];
  /** Default true. */
  requirePkce?: boolean;
}

// The few parts of oidc-provider (which ships no types) used here.
interface ProviderClient {
  redirectUris: string[];
}
interface ProviderInstance {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  readonly Client: { find(id: string): Promise<ProviderClient | undefined> };
}
type ProviderConstructor = new (
  issuer: string,
  configuration: Record<string, unknown>,
) => ProviderInstance;

const CLIENT_ID = 'tessera';
const CLIENT_SECRET = 'tessera-secret';
const COOKIE_PREFIX = '_oidc_op_';

let signingKey: JsonWebKey | undefined;

/** One RS256 key per test process (RS256 is what relying parties expect by default). */
function rsaSigningKey(): JsonWebKey {
  signingKey ??= {
    ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
    kid: 'test-rs256',
    use: 'sig',
    alg: 'RS256',
  };
  return signingKey;
}

// oidc-provider prints "oidc-provider WARNING/NOTICE: ..." about its development-only defaults
// (runtime version, memory adapter, devInteractions) while it loads and is constructed; only
// those lines are dropped, and only meanwhile.
let quietDepth = 0;
let originalWarn: typeof console.warn = console.warn.bind(console);
let originalInfo: typeof console.info = console.info.bind(console);

async function quietly<T>(work: () => Promise<T> | T): Promise<T> {
  if (quietDepth++ === 0) {
    originalWarn = console.warn;
    originalInfo = console.info;
    const filter =
      (print: (...args: unknown[]) => void) =>
      (...args: unknown[]): void => {
        if (typeof args[0] === 'string' && args[0].includes('oidc-provider ')) return;
        print(...args);
      };
    console.warn = filter(originalWarn.bind(console));
    console.info = filter(originalInfo.bind(console));
  }
  try {
    return await work();
  } finally {
    if (--quietDepth === 0) {
      console.warn = originalWarn;
      console.info = originalInfo;
    }
  }
}

async function loadProvider(): Promise<ProviderConstructor> {
  // A computed specifier: the package has no type declarations.
  const specifier = 'oidc-provider';
  const module = (await import(specifier)) as { default: ProviderConstructor };
  return module.default;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${String(c.charCodeAt(0))};`);
}

export async function startOidcProvider(options: OidcProviderOptions): Promise<OidcProvider> {
  if (options.redirectUris.length === 0) throw new Error('at least one redirect URI is needed');
  const port = await freePort();
  const issuer = `http://127.0.0.1:${String(port)}`;
  const accounts = new Map<string, OidcAccount>();
  for (const account of options.accounts ?? []) accounts.set(account.sub, account);
  const requirePkce = options.requirePkce ?? true;
  const ttl = 600;

  const configuration: Record<string, unknown> = {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: options.redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [rsaSigningKey()] },
    pkce: { required: () => requirePkce },
    responseTypes: ['code'],
    scopes: ['openid', 'email', 'profile', 'groups'],
    claims: {
      openid: ['sub', 'groups'],
      email: ['email', 'email_verified'],
      profile: [
        'name',
        'preferred_username',
        'given_name',
        'family_name',
        'middle_name',
        'nickname',
        'locale',
        'zoneinfo',
        'updated_at',
      ],
      groups: ['groups'],
    },
    conformIdTokenClaims: false,
    cookies: {
      keys: [randomBytes(32).toString('base64url')],
      names: {
        session: `${COOKIE_PREFIX}session`,
        interaction: `${COOKIE_PREFIX}interaction`,
        resume: `${COOKIE_PREFIX}interaction_resume`,
      },
    },
    features: { devInteractions: { enabled: true } },
    findAccount: (_ctx: unknown, sub: string) => ({
      accountId: sub,
      claims: () => ({ ...(accounts.get(sub)?.claims ?? {}), sub }),
    }),
    // Explicit values keep the "you SHOULD change it" notices of the defaults away.
    ttl: {
      AccessToken: ttl,
      AuthorizationCode: 60,
      ClientCredentials: ttl,
      DeviceCode: ttl,
      BackchannelAuthenticationRequest: ttl,
      PreAuthorizedCode: ttl,
      IdToken: ttl,
      RefreshToken: ttl,
      Interaction: ttl,
      Session: ttl,
      Grant: ttl,
    },
    clientBasedCORS: () => true,
    renderError: (ctx: { type: string; body: string }, out: Record<string, unknown>) => {
      ctx.type = 'html';
      ctx.body = `<!doctype html><title>oidc error</title><pre id="oidc-error">${escapeHtml(
        JSON.stringify(out),
      )}</pre>`;
    },
  };

  const provider = await quietly(async () => {
    const Provider = await loadProvider();
    return new Provider(issuer, configuration);
  });
  const client = await provider.Client.find(CLIENT_ID);
  if (!client) throw new Error('oidc-provider lost its static client');

  const server = createServer(provider.callback());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });

  return {
    issuer,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    setAccount(account) {
      accounts.set(account.sub, account);
    },
    setRedirectUris(uris) {
      for (const uri of uris) new URL(uri);
      // The static client is cached by oidc-provider; its list is what the checks read.
      client.redirectUris = [...uris];
    },
    stop() {
      return new Promise<void>((resolve, reject) => {
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        });
        server.closeAllConnections();
      });
    },
  };
}

/** Debian's Chromium with the flags the WebAuthn browser test uses. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

interface PageState {
  prompt: string | null;
  handled: boolean;
  complete: boolean;
  text: string;
}

const PAGE_STATE = `(() => ({
  prompt: document.querySelector('form input[name=prompt]')?.value ?? null,
  handled: '__oidcHandled' in window,
  complete: document.readyState === 'complete',
  text: document.body ? document.body.innerText.slice(0, 500) : '',
}))()`;

/** Fills the login form (if it is one) and submits the page's form; one round trip. */
const submitForm = (login: string): string => `(() => {
  window.__oidcHandled = true;
  const form = document.querySelector('form');
  const name = form.querySelector('input[name=login]');
  if (name) {
    name.value = ${JSON.stringify(login)};
    form.querySelector('input[name=password]').value = 'any password';
  }
  form.requestSubmit(form.querySelector('button[type=submit]'));
})()`;

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

const EXTERNAL_PATTERNS = ['https://fonts.googleapis.com/*', 'https://fonts.gstatic.com/*'];

/** A CDP Fetch URL pattern matching every URL that starts with `prefix`. */
function prefixPattern(prefix: string): string {
  return `${prefix.replace(/[\\*?]/g, (c) => `\\${c}`)}*`;
}

/**
 * Drives the provider's login and consent pages in `page`, starting at `authUrl` (the
 * relying party's authorization request), typing `login` (which becomes the `sub`) and any
 * password. Resolves with the URL the provider redirected the browser to — the first request
 * whose URL starts with `redirectPrefix`, normally `<redirect_uri>?code=...&state=...&iss=...`
 * (or `?error=...`). That request never reaches the network: it is answered in the browser with
 * an empty page, so the relying party need not serve it, and a code is never redeemed by it.
 *
 * The interception uses CDP `Fetch` on the page, not `page.route`: Playwright's routes are not
 * called for the hops of a redirect, and the provider reaches the redirect URI through one.
 * The redirect URI must not use a port Chromium refuses (ERR_UNSAFE_PORT: 1, 7, 9, 21, 25, ...).
 *
 * The provider's cookies in the page's context are cleared first, so every call is a fresh
 * login (no single sign-on from an earlier call); other cookies are left alone.
 */
export async function completeLoginInBrowser(
  page: Page,
  authUrl: string,
  login: string,
  redirectPrefix: string,
  timeoutMs = 15_000,
): Promise<URL> {
  let redirected: URL | undefined;
  // Read through a function: the CDP handler sets it between awaits.
  const captured = (): URL | undefined => redirected;
  await page.context().clearCookies({ name: new RegExp(`^${COOKIE_PREFIX}`) });
  const cdp = await page.context().newCDPSession(page);
  cdp.on('Fetch.requestPaused', (event) => {
    if (!event.request.url.startsWith(redirectPrefix)) {
      // The provider's pages @import a web font: no network traffic from tests.
      cdp
        .send('Fetch.failRequest', { requestId: event.requestId, errorReason: 'BlockedByClient' })
        .catch(() => undefined);
      return;
    }
    redirected ??= new URL(event.request.url);
    cdp
      .send('Fetch.fulfillRequest', {
        requestId: event.requestId,
        responseCode: 200,
        responseHeaders: [{ name: 'content-type', value: 'text/html' }],
        body: Buffer.from('<!doctype html><title>redirected</title>').toString('base64'),
      })
      .catch(() => undefined);
  });
  await cdp.send('Fetch.enable', {
    patterns: [
      { urlPattern: prefixPattern(redirectPrefix), requestStage: 'Request' },
      ...EXTERNAL_PATTERNS.map((urlPattern) => ({ urlPattern, requestStage: 'Request' as const })),
    ],
  });
  try {
    await page.goto(authUrl);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const early = captured();
      if (early) return early;
      let state: PageState;
      try {
        state = await page.evaluate<PageState>(PAGE_STATE);
      } catch {
        // The page navigated while being looked at.
        await sleep(20);
        continue;
      }
      const done = captured();
      if (done) return done;
      if (!state.handled && (state.prompt === 'login' || state.prompt === 'consent')) {
        try {
          await page.evaluate(submitForm(login));
        } catch {
          // The submission navigated away before the evaluation returned.
        }
      } else if (!state.handled && state.complete) {
        throw new Error(
          `the provider showed neither login nor consent at ${page.url()}: ${state.text}`,
        );
      } else {
        await sleep(20);
      }
    }
    throw new Error(
      `no redirect to ${redirectPrefix} within ${String(timeoutMs)} ms (at ${page.url()})`,
    );
  } finally {
    await cdp.send('Fetch.disable').catch(() => undefined);
    await cdp.detach().catch(() => undefined);
  }
}
