/**
 * The `pam` realm: the password is checked by Linux PAM on this node, with the account
 * checks too (`pam_acct_mgmt`: expired or locked accounts fail), as Proxmox does. The PAM
 * service is `tessera` by default; without /etc/pam.d/tessera, PAM uses its `other` service
 * (on Debian: common-auth and common-account).
 *
 * The binding, node-linux-pam, is an optional native module: npm builds it only where the PAM
 * headers (libpam0g-dev) are installed and leaves it out otherwise. Nothing else of Tessera
 * needs it, so it is loaded here at run time, never at build time, and its absence only makes
 * this realm refuse logins with the cause `pam_unavailable`.
 */
import { createRequire } from 'node:module';
import { AuthFailure } from '../errors.js';
import type { Realm } from './realm.js';

/** The part of node-linux-pam that Tessera uses; the package ships no type declarations. */
interface PamBinding {
  pamAuthenticatePromise(options: {
    username: string;
    password: string;
    serviceName?: string;
    remoteHost?: string;
  }): Promise<number>;
}

const PAM_BINDING_PACKAGE = 'node-linux-pam';
export const DEFAULT_PAM_SERVICE = 'tessera';

/** Whether PAM logins can work on this node, and when not, why and what fixes it. */
export type PamSupport =
  | { readonly available: true }
  | { readonly available: false; readonly reason: string; readonly fix: string };

/** The fix when the binding is absent or unloadable, for `explain` and `doctor`. */
export const PAM_BINDING_FIX =
  "install the PAM headers, then the binding in Tessera's directory: " +
  'apt-get install libpam0g-dev && npm install (a few seconds); no restart is needed';

const require = createRequire(import.meta.url);
let loaded: PamBinding | undefined;

function isPamBinding(value: unknown): value is PamBinding {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { pamAuthenticatePromise?: unknown }).pamAuthenticatePromise === 'function'
  );
}

/**
 * Loads the binding, or says why it cannot. A failed load is not remembered: once the binding
 * is in place, the next login finds it.
 */
function loadBinding(): PamBinding | { readonly missing: string } {
  if (loaded) return loaded;
  try {
    const module: unknown = require(PAM_BINDING_PACKAGE);
    if (!isPamBinding(module))
      return { missing: `${PAM_BINDING_PACKAGE} has no pamAuthenticatePromise` };
    loaded = module;
    return module;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'MODULE_NOT_FOUND')
      return {
        missing: `PAM support is not installed: ${PAM_BINDING_PACKAGE} is missing (npm leaves it out where libpam0g-dev is not installed)`,
      };
    // Present but unloadable, for example built for another Node.js version.
    const first = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
    return { missing: `PAM support cannot be loaded: ${first}` };
  }
}

/** Whether the PAM binding loads on this node (for `doctor`). */
export function pamSupport(): PamSupport {
  const binding = loadBinding();
  return 'missing' in binding
    ? { available: false, reason: binding.missing, fix: PAM_BINDING_FIX }
    : { available: true };
}

export async function pamAuthenticate(
  username: string,
  password: string,
  options: { service?: string | undefined; remoteHost?: string | undefined } = {},
): Promise<void> {
  const pam = loadBinding();
  if ('missing' in pam) throw new AuthFailure(pam.missing, 'pam_unavailable');
  try {
    await pam.pamAuthenticatePromise({
      username,
      password,
      serviceName: options.service ?? DEFAULT_PAM_SERVICE,
      ...(options.remoteHost !== undefined ? { remoteHost: options.remoteHost } : {}),
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new AuthFailure(message, /expired/i.test(message) ? 'user_expired' : 'pam_error');
  }
}

/** The `pam` realm: Linux PAM on this node checks the password and the account. */
export const pamRealm: Realm = {
  type: 'pam',
  authenticate: async ({ user, password, remoteHost }, env) => {
    await pamAuthenticate(user, password, { service: env.pamService, remoteHost });
    return { rehash: false };
  },
  check() {
    const support = pamSupport();
    if (!support.available)
      return Promise.reject(new AuthFailure(support.reason, 'pam_unavailable'));
    return Promise.resolve({ kind: 'local', detail: 'the PAM binding loads' });
  },
};
