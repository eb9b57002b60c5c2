/**
 * Limits on connections, which any client opens before it says who it is. Without them one
 * address could hold every socket the process may have (thousands of idle connections, or
 * requests whose headers or body trickle in a byte at a time), and nobody else could log in.
 * pveproxy has the like: 800 connections, 5 s without data closes a connection.
 */
import { BlockList, isIPv6, type Server, type Socket } from 'node:net';
import { sourceOf } from '../auth/source.js';

export interface ConnectionLimits {
  /** Open connections in all. */
  readonly maxConnections: number;
  /** Open connections from one source (an IPv6 /64); a trusted proxy's are not limited. */
  readonly maxConnectionsPerAddress: number;
  /** How long a request's headers may take to arrive. */
  readonly headersTimeoutMs: number;
  /** How long a whole request (headers and body) may take to arrive. */
  readonly requestTimeoutMs: number;
  /** How often the two timeouts above are checked. */
  readonly checkIntervalMs: number;
}

export const CONNECTION_LIMITS: ConnectionLimits = {
  maxConnections: 4096,
  // Enough for an office behind one NAT address (a browser keeps about 6 connections).
  maxConnectionsPerAddress: 256,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  checkIntervalMs: 1_000,
};

/** The options of the HTTP(S) server that bound the time a request may take to arrive. */
export function serverTimeouts(limits: ConnectionLimits): {
  readonly headersTimeout: number;
  readonly requestTimeout: number;
  readonly connectionsCheckingInterval: number;
} {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    connectionsCheckingInterval: limits.checkIntervalMs,
  };
}

/** The addresses and CIDRs of `--trusted-proxy` as a matcher. */
function proxyMatcher(trustedProxies: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of trustedProxies) {
    const [address = '', prefix] = entry.split('/');
    const type = isIPv6(address) ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return list;
}

/** Closes, at once, connections beyond the limits. */
export function limitConnections(
  server: Server,
  limits: ConnectionLimits,
  trustedProxies: readonly string[],
): void {
  server.maxConnections = limits.maxConnections;
  const proxies = proxyMatcher(trustedProxies);
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress;
    if (address === undefined) return;
    const unmapped = address.startsWith('::ffff:') ? address.slice(7) : address;
    if (proxies.check(unmapped, isIPv6(unmapped) ? 'ipv6' : 'ipv4')) return;
    const source = sourceOf(unmapped);
    const count = (open.get(source) ?? 0) + 1;
    if (count > limits.maxConnectionsPerAddress) {
      socket.destroy();
      return;
    }
    open.set(source, count);
    socket.once('close', () => {
      const left = (open.get(source) ?? 1) - 1;
      if (left === 0) open.delete(source);
      else open.set(source, left);
    });
  });
}
