/**
 * The login throttle and the auth log for passwords given again to confirm a change
 * (`PUT /access/password`, `/access/tfa`): a wrong one is a failed login for the throttle
 * and an `authentication failure` line, and a refused one is answered after the failure
 * delay (see {@link withFailureDelay}).
 */
import { AuthFailure } from '../errors.js';
import type { ReentryGuard } from '../services/login/reentry.js';
import type { Api } from './app.js';

export function reentryGuard(api: Api, what: string): ReentryGuard {
  return {
    blocked: (address, userid, now) => api.throttle?.blocked(address, userid, now) === true,
    failed: (address, userid, now, err) => {
      if (err.code !== 'throttled' && err.code !== 'login_overloaded')
        api.throttle?.failed(address, userid, now);
      api.options.onAuthFailure?.({
        kind: 'request',
        rhost: address,
        user: userid,
        cause: err.code,
        reason: `${what}: ${err.message}`,
      });
    },
  };
}

/** Runs `work`; an authentication failure is rethrown after the failure delay. */
export async function withFailureDelay<T>(api: Api, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await work();
  } catch (err) {
    if (err instanceof AuthFailure) await api.delay(started);
    throw err;
  }
}
