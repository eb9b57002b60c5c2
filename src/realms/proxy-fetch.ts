/**
 * Outgoing requests through datacenter.cfg's `http_proxy`, as Proxmox sends its OpenID
 * requests (it sets `all_proxy` for them): a tunnel through the proxy with HTTP CONNECT, TLS
 * to the provider inside it (the provider's certificate is checked as without a proxy), and
 * `Proxy-Authorization: Basic` when the proxy URL carries a user. The proxy's password never
 * appears in an error message.
 */
import { request, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { connect } from 'node:tls';

/** The request openid-client hands to a custom fetch. */
export interface FetchOptions {
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body?: unknown;
  readonly signal?: AbortSignal | null;
}

export type ProxiedFetch = (url: string, options: FetchOptions) => Promise<Response>;

/** Answers larger than this are refused: discovery documents, JWKS and tokens are small. */
const MAX_BODY = 1024 * 1024;

export function proxiedFetch(proxy: string): ProxiedFetch {
  const via = new URL(proxy);
  const port = Number(via.port || 80);
  const user = decodeURIComponent(via.username);
  const authorization =
    user !== ''
      ? `Basic ${Buffer.from(`${user}:${decodeURIComponent(via.password)}`).toString('base64')}`
      : undefined;
  const name = `proxy ${via.hostname}:${String(port)}`;

  const tunnel = (target: URL, signal: AbortSignal | undefined): Promise<Socket> =>
    new Promise((resolve, reject) => {
      const targetPort = target.port || (target.protocol === 'https:' ? '443' : '80');
      const authority = `${target.hostname}:${targetPort}`;
      const connectRequest = request({
        host: via.hostname,
        port,
        method: 'CONNECT',
        path: authority,
        headers: {
          host: authority,
          ...(authorization !== undefined ? { 'proxy-authorization': authorization } : {}),
        },
        ...(signal !== undefined ? { signal } : {}),
      });
      connectRequest.once('connect', (answer: IncomingMessage, socket: Socket) => {
        if (answer.statusCode !== 200) {
          socket.destroy();
          reject(
            new Error(
              `${name} refused the tunnel to ${authority}: ${String(answer.statusCode)} ${answer.statusMessage ?? ''}`.trimEnd(),
            ),
          );
          return;
        }
        if (target.protocol !== 'https:') {
          resolve(socket);
          return;
        }
        const secure = connect({ socket, servername: target.hostname });
        secure.once('secureConnect', () => {
          resolve(secure);
        });
        secure.once('error', reject);
      });
      connectRequest.once('error', (err) => {
        reject(new Error(`${name}: ${err.message}`));
      });
      connectRequest.end();
    });

  return async (url, options) => {
    const target = new URL(url);
    const signal = options.signal ?? undefined;
    const socket = await tunnel(target, signal);
    return new Promise<Response>((resolve, reject) => {
      const sent = request({
        method: options.method,
        path: `${target.pathname}${target.search}`,
        headers: { host: target.host, ...options.headers },
        createConnection: () => socket,
        ...(signal !== undefined ? { signal } : {}),
      });
      sent.once('response', (answer) => {
        const chunks: Buffer[] = [];
        let size = 0;
        answer.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY) {
            answer.destroy(
              new Error(`answer from ${target.host} is larger than ${String(MAX_BODY)} bytes`),
            );
            return;
          }
          chunks.push(chunk);
        });
        answer.once('error', reject);
        answer.once('end', () => {
          socket.destroy();
          const headers = new Headers();
          for (const [key, value] of Object.entries(answer.headers)) {
            for (const v of Array.isArray(value) ? value : [value ?? '']) headers.append(key, v);
          }
          const status = answer.statusCode ?? 502;
          const empty = status === 204 || status === 304;
          resolve(
            new Response(empty ? null : Buffer.concat(chunks), {
              status,
              statusText: answer.statusMessage ?? '',
              headers,
            }),
          );
        });
      });
      sent.once('error', (err) => {
        socket.destroy();
        reject(err);
      });
      sent.end(bodyOf(options.body));
    });
  };
}

function bodyOf(body: unknown): string | Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || Buffer.isBuffer(body)) return body;
  if (body instanceof URLSearchParams) return body.toString();
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  throw new Error('request body of an unsupported kind for the proxy');
}
