/**
 * The `pam` realm: the password is checked by Linux PAM on this node, with the account
 * checks too (`pam_acct_mgmt`: expired or locked accounts fail), as Proxmox does. The PAM
 * service is `tessera` by default; without /etc/pam.d/tessera, PAM uses its `other` service
 * (on Debian: common-auth and common-account). The binding (node-linux-pam) is built when
 * libpam0g-dev is installed; without it, PAM logins fail with a clear reason.
 */
import { AuthFailure } from '../auth/api-token.js';

interface PamBinding {
  pamAuthenticatePromise(options: {
    username: string;
    password: string;
    serviceName?: string;
    remoteHost?: string;
  }): Promise<number>;
}

let binding: Promise<PamBinding | undefined> | undefined;

function loadBinding(): Promise<PamBinding | undefined> {
  binding ??= import('node-linux-pam').then(
    (module) =>
      (module as unknown as { default?: PamBinding }).default ?? (module as unknown as PamBinding),
    () => undefined,
  );
  return binding;
}

export const DEFAULT_PAM_SERVICE = 'tessera';

export async function pamAuthenticate(
  username: string,
  password: string,
  options: { service?: string | undefined; remoteHost?: string | undefined } = {},
): Promise<void> {
  const pam = await loadBinding();
  if (!pam)
    throw new AuthFailure(
      'PAM support is not installed: install libpam0g-dev, then run npm rebuild node-linux-pam',
      'realm_unavailable',
    );
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
