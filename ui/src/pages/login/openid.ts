/**
 * OpenID Connect logins: the provider's URL for a realm (the browser goes there), and the
 * way back, where the page's address carries `code` and `state` (or `error`) for
 * `POST /access/openid/login`. The redirect URL is the page itself, the same both times.
 */
import { api } from '../../api.js';
import type { TicketAnswer } from '../../session.js';

export function redirectUrl(): string {
  return `${location.origin}/`;
}

export async function openidStart(realm: string): Promise<void> {
  const url = await api<string>('POST', '/access/openid/auth-url', {
    realm,
    'redirect-url': redirectUrl(),
  });
  location.assign(url);
}

export type OpenidReturn =
  | { readonly kind: 'code'; readonly code: string; readonly state: string }
  | { readonly kind: 'error'; readonly error: string; readonly description?: string };

/** What the provider sent back in the page's address, if it did. */
export function openidReturn(search: string = location.search): OpenidReturn | undefined {
  const query = new URLSearchParams(search);
  const code = query.get('code');
  const state = query.get('state');
  if (code !== null && state !== null) return { kind: 'code', code, state };
  const error = query.get('error');
  if (error !== null && state !== null) {
    const description = query.get('error_description');
    return { kind: 'error', error, ...(description !== null ? { description } : {}) };
  }
  return undefined;
}

/** Removes the provider's answer from the address bar (and from the history). */
export function cleanAddress(): void {
  history.replaceState(history.state, '', `${location.pathname}${location.hash}`);
}

/** States already sent: each may be used once, and React may run an effect twice. */
const sent = new Set<string>();

export function openidFinish(code: string, state: string): Promise<TicketAnswer> | undefined {
  if (sent.has(state)) return undefined;
  sent.add(state);
  return api<TicketAnswer>('POST', '/access/openid/login', {
    state,
    code,
    'redirect-url': redirectUrl(),
  });
}
