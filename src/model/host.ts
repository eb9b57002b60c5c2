/** Host names and addresses that never leave this machine. */
import { isIP } from 'node:net';

/** `localhost`, `::1` or 127.x.x.x (brackets of an IPv6 URL host allowed). */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  return bare === 'localhost' || bare === '::1' || (isIP(bare) === 4 && bare.startsWith('127.'));
}
