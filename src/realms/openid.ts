/**
 * OpenID Connect realms (openid-client): issuer discovery, the authorization code flow with
 * PKCE, state and nonce, and the claims a login yields. The provider is trusted only over
 * HTTPS, except on a loopback address (a provider on the same host). Every failure carries a
 * cause for the audit log: discovery failed, state unknown or expired, nonce or code
 * rejected, claim missing.
 */
import * as oidc from 'openid-client';
import { isLoopbackHost } from '../model/host.js';
import { realmFlag, realmText, type RealmConfig } from '../model/realm.js';
import { AuthFailure } from '../errors.js';
import { proxiedFetch } from './proxy-fetch.js';
import type { Realm } from './realm.js';

export type OpenidCause =
  | 'oidc_discovery_failed'
  | 'oidc_state_mismatch'
  | 'oidc_nonce_mismatch'
  | 'oidc_code_rejected'
  | 'oidc_claim_missing'
  | 'oidc_error';

export interface OpenidSettings {
  readonly realm: string;
  readonly issuer: string;
  readonly clientId: string;
  readonly clientKey: string | undefined;
  readonly scopes: string;
  readonly prompt: string | undefined;
  readonly acrValues: readonly string[];
  readonly usernameClaim: string;
  readonly autocreate: boolean;
  readonly groupsClaim: string | undefined;
  readonly groupsAutocreate: boolean;
  readonly groupsOverwrite: boolean;
  readonly queryUserinfo: boolean;
  /** datacenter.cfg's `http_proxy`: discovery, token and userinfo requests go through it. */
  readonly proxy?: string;
}

export function openidSettings(config: RealmConfig, proxy?: string): OpenidSettings {
  const claim = realmText(config, 'username-claim') ?? 'sub';
  return {
    ...(proxy !== undefined ? { proxy } : {}),
    realm: config.realm,
    issuer: realmText(config, 'issuer-url') ?? '',
    clientId: realmText(config, 'client-id') ?? '',
    clientKey: realmText(config, 'client-key'),
    scopes: realmText(config, 'scopes') ?? 'email profile',
    prompt: realmText(config, 'prompt'),
    acrValues: (realmText(config, 'acr-values') ?? '').split(/[\s,;]+/).filter((v) => v !== ''),
    // Proxmox's legacy names for the two usual claims.
    usernameClaim:
      claim === 'subject' ? 'sub' : claim === 'username' ? 'preferred_username' : claim,
    autocreate: realmFlag(config, 'autocreate') ?? false,
    groupsClaim: realmText(config, 'groups-claim'),
    groupsAutocreate: realmFlag(config, 'groups-autocreate') ?? false,
    groupsOverwrite: realmFlag(config, 'groups-overwrite') ?? false,
    queryUserinfo: realmFlag(config, 'query-userinfo') ?? true,
  };
}

const CACHE_MS = 3_600_000;
const discovered = new Map<string, { at: number; config: Promise<oidc.Configuration> }>();

/**
 * Discovers the provider's configuration (no cache): the issuer must use https, or plain
 * http on a loopback address.
 */
export async function discover(settings: OpenidSettings): Promise<oidc.Configuration> {
  let issuer: URL;
  try {
    issuer = new URL(settings.issuer);
  } catch {
    throw new AuthFailure(`issuer URL '${settings.issuer}' is not a URL`, 'oidc_discovery_failed');
  }
  const plain = issuer.protocol === 'http:';
  if (issuer.protocol !== 'https:' && !(plain && isLoopbackHost(issuer.hostname)))
    throw new AuthFailure(
      `issuer ${settings.issuer} must use https (plain http only on a loopback address)`,
      'oidc_discovery_failed',
    );
  // Token and userinfo requests use the fetch discovery was given.
  const via =
    settings.proxy !== undefined ? { [oidc.customFetch]: proxiedFetch(settings.proxy) } : {};
  try {
    return await oidc.discovery(
      issuer,
      settings.clientId,
      settings.clientKey,
      undefined,
      plain
        ? // Plain HTTP is allowed only for a provider on this host (checked above).
          // eslint-disable-next-line @typescript-eslint/no-deprecated
          { execute: [oidc.allowInsecureRequests], timeout: 10, ...via }
        : { timeout: 10, ...via },
    );
  } catch (err) {
    throw new AuthFailure(
      `OpenID discovery at ${settings.issuer} failed: ${describe(err)}`,
      'oidc_discovery_failed',
    );
  }
}

/** The provider's configuration, discovered once an hour per realm setting. */
async function configuration(settings: OpenidSettings): Promise<oidc.Configuration> {
  const key = JSON.stringify([
    settings.issuer,
    settings.clientId,
    settings.clientKey,
    settings.proxy,
  ]);
  const cached = discovered.get(key);
  if (cached && Date.now() - cached.at < CACHE_MS) return cached.config;
  const config = discover(settings).catch((err: unknown) => {
    discovered.delete(key);
    throw err;
  });
  discovered.set(key, { at: Date.now(), config });
  return config;
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${err.message}${cause}`;
}

/**
 * The redirect URL as the token request will send it: openid-client sends the callback URL
 * without its query, so a bare origin gains its `/` there; the authorization request must
 * name the same.
 */
export function normalizeRedirect(url: string): string {
  const parsed = new URL(url);
  parsed.search = '';
  parsed.hash = '';
  return parsed.href;
}

export interface AuthorizationStart {
  readonly url: string;
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  readonly redirectUrl: string;
}

export async function startAuthorization(
  settings: OpenidSettings,
  redirectUrl: string,
): Promise<AuthorizationStart> {
  const config = await configuration(settings);
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const redirect = normalizeRedirect(redirectUrl);
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirect,
    scope: [
      'openid',
      ...settings.scopes.split(/\s+/).filter((s) => s !== '' && s !== 'openid'),
    ].join(' '),
    state,
    nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    ...(settings.prompt !== undefined ? { prompt: settings.prompt } : {}),
    ...(settings.acrValues.length > 0 ? { acr_values: settings.acrValues.join(' ') } : {}),
  });
  return { url: url.href, state, nonce, codeVerifier, redirectUrl: redirect };
}

/** Exchanges the code; returns the ID token's claims, with userinfo's where configured. */
export async function finishAuthorization(
  settings: OpenidSettings,
  pending: {
    readonly state: string;
    readonly nonce: string;
    readonly codeVerifier: string;
    readonly redirectUrl: string;
  },
  code: string,
): Promise<Record<string, unknown>> {
  const config = await configuration(settings);
  const callback = new URL(pending.redirectUrl);
  callback.searchParams.set('code', code);
  callback.searchParams.set('state', pending.state);
  // Proxmox's login call carries only code and state; the issuer is the one this state was
  // started with (RFC 9207's mix-up defence is the state's binding to the realm).
  const metadata = config.serverMetadata();
  if (metadata.authorization_response_iss_parameter_supported === true)
    callback.searchParams.set('iss', metadata.issuer);
  let tokens;
  try {
    tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: pending.codeVerifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    });
  } catch (err) {
    const text = describe(err);
    if (/nonce/i.test(text))
      throw new AuthFailure(`ID token nonce check failed: ${text}`, 'oidc_nonce_mismatch');
    throw new AuthFailure(`the provider did not accept the code: ${text}`, 'oidc_code_rejected');
  }
  const claims: Record<string, unknown> = { ...(tokens.claims() ?? {}) };
  if (settings.acrValues.length > 0 && !settings.acrValues.includes(String(claims['acr'])))
    throw new AuthFailure(
      `the ID token's acr '${String(claims['acr'])}' is not one of ${settings.acrValues.join(', ')}`,
      'oidc_claim_missing',
    );
  if (settings.queryUserinfo) {
    try {
      const info = await oidc.fetchUserInfo(config, tokens.access_token, String(claims['sub']));
      for (const [name, value] of Object.entries(info)) claims[name] ??= value;
    } catch (err) {
      throw new AuthFailure(`userinfo request failed: ${describe(err)}`, 'oidc_error');
    }
  }
  return claims;
}

/** Discovery as a login does it (https, plain http only on loopback), but never cached. */
export async function probeDiscovery(settings: OpenidSettings): Promise<string> {
  const meta = (await discover(settings)).serverMetadata();
  return `issuer ${meta.issuer}, authorization endpoint ${meta.authorization_endpoint ?? 'none'}`;
}

/** The `openid` realm: the provider checks the user; a password login is refused. */
export const openidRealm: Realm = {
  type: 'openid',
  authenticate: () =>
    Promise.reject(
      new AuthFailure('OpenID realm does not allow password verification.', 'realm_unavailable'),
    ),
  async check(config) {
    return { kind: 'openid', detail: await probeDiscovery(openidSettings(config)) };
  },
};
