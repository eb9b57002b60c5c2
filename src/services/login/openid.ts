/**
 * The OpenID Connect login, as Proxmox has it: `start` makes the provider's authorization URL
 * (the state, nonce and PKCE verifier go into the store, so the answer may reach any node);
 * `finish` takes the code and state the provider sent back, creates or updates the user as
 * the realm says, and issues a normal ticket through the login's own last step. As in
 * Proxmox there is no second-factor step.
 */
import { checkUserEnabled } from '../../auth/api-token.js';
import { serverKeys } from '../../auth/server-keys.js';
import { AuthFailure, parameterError, rejected, tooManyRequests } from '../../errors.js';
import { parseRealmId } from '../../model/ids.js';
import { MAX_PENDING_OIDC_LOGINS } from '../../model/realm.js';
import {
  finishAuthorization,
  normalizeRedirect,
  openidSettings,
  startAuthorization,
  type OpenidSettings,
} from '../../realms/openid.js';
import type { AccessSnapshot } from '../../store/snapshot.js';
import { issueTicket, type LoginDeps, type LoginResult } from './login.js';
import { applyOidcLogin, storeOidcState, takeOidcState } from './openid-state.js';

function openidRealm(snapshot: AccessSnapshot, realm: string): OpenidSettings {
  const config = snapshot.domains.realms.get(parseRealmId(realm));
  if (config?.type !== 'openid')
    throw parameterError({ realm: `realm '${realm}' is not an OpenID realm` });
  // As Proxmox: datacenter.cfg's http_proxy carries the requests to the provider.
  return openidSettings(config, snapshot.datacenter?.httpProxy);
}

function checkRedirect(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error();
    return normalizeRedirect(url);
  } catch {
    throw parameterError({ 'redirect-url': 'not an http(s) URL' });
  }
}

/** The provider's authorization URL for a login through `realm`. */
export async function startOpenidLogin(
  deps: Pick<LoginDeps, 'services' | 'view' | 'events' | 'now' | 'openidStarts'>,
  request: { readonly realm: string; readonly redirectUrl: string; readonly address: string },
): Promise<string> {
  const { snapshot } = deps.view();
  const settings = openidRealm(snapshot, request.realm);
  const redirect = checkRedirect(request.redirectUrl);
  // Each start is a write to the store, asked for by someone not yet authenticated.
  if (snapshot.oidcStates.size >= MAX_PENDING_OIDC_LOGINS)
    throw tooManyRequests(
      `${String(snapshot.oidcStates.size)} OpenID logins are pending; try again later`,
    );
  if (deps.openidStarts?.take(request.address, deps.now()) === false)
    throw tooManyRequests('too many OpenID logins started from this address; try again later');
  let start;
  try {
    start = await startAuthorization(settings, redirect);
  } catch (err) {
    if (!(err instanceof AuthFailure)) throw err;
    deps.events.failed({
      kind: 'login',
      rhost: request.address,
      user: `@${settings.realm}`,
      cause: err.code,
      reason: err.message,
    });
    throw rejected(`OpenID login unavailable for realm '${settings.realm}'`);
  }
  await storeOidcState(deps.services, {
    state: start.state,
    realm: parseRealmId(settings.realm),
    redirectUrl: start.redirectUrl,
    nonce: start.nonce,
    codeVerifier: start.codeVerifier,
    created: deps.now(),
  });
  return start.url;
}

/** The provider's answer: a ticket for the user it names, or an AuthFailure with the cause. */
export async function finishOpenidLogin(
  deps: Pick<LoginDeps, 'services' | 'view' | 'events' | 'now'>,
  request: {
    readonly state: string;
    readonly code: string;
    readonly redirectUrl: string;
    readonly address: string;
  },
): Promise<LoginResult & { kind: 'ticket' }> {
  const now = deps.now();
  let user = '';
  try {
    const pending = await takeOidcState(deps.services, request.state, now);
    user = `@${pending.realm}`;
    if (checkRedirect(request.redirectUrl) !== pending.redirectUrl)
      throw new AuthFailure(
        'the redirect URL is not the one the login started with',
        'oidc_state_mismatch',
      );
    const snapshot = await deps.services.read();
    const config = snapshot.domains.realms.get(pending.realm);
    if (config?.type !== 'openid')
      throw new AuthFailure(`realm '${pending.realm}' is no longer an OpenID realm`, 'oidc_error');
    const settings = openidSettings(config, snapshot.datacenter?.httpProxy);
    const claims = await finishAuthorization(settings, pending, request.code);
    const result = await applyOidcLogin(deps.services, settings, claims);
    user = result.userid;
    const current = deps.view();
    checkUserEnabled(current.snapshot, result.userid, now);
    const keys = serverKeys(current.snapshot);
    if (!keys) throw new AuthFailure('the server keys are not ready', 'server_not_ready');
    return issueTicket(
      deps,
      keys,
      current.engine,
      result.userid,
      request.address,
      result.created ? 'openid (user created)' : 'openid',
      'openid',
    );
  } catch (err) {
    if (!(err instanceof AuthFailure)) throw err;
    deps.events.failed({
      kind: 'login',
      rhost: request.address,
      user,
      cause: err.code,
      reason: `openid authentication failure: ${err.message}`,
    });
    throw err;
  }
}
