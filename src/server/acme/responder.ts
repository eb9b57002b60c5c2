/**
 * The HTTP-01 responder: a plain HTTP listener (port 80 by default) that answers the ACME
 * server's `GET /.well-known/acme-challenge/<token>` with the key authorization, for tokens
 * of orders in progress only. Anyone on the network can reach it, so it answers nothing
 * else (404), reads no body, and bounds header size, time and open connections.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

const PREFIX = '/.well-known/acme-challenge/';
// RFC 8555 section 8.3: a token is base64url; 128 characters leave room over Let's Encrypt's 43.
const TOKEN = /^[A-Za-z0-9_-]{1,128}$/;
const MAX_CONNECTIONS = 64;

export class ChallengeResponder {
  private readonly answers = new Map<string, string>();
  private readonly server: Server;

  constructor() {
    this.server = createServer(
      { maxHeaderSize: 4_096, requestTimeout: 10_000, headersTimeout: 5_000 },
      (req, res) => {
        this.answer(req, res);
      },
    );
    this.server.maxConnections = MAX_CONNECTIONS;
    this.server.keepAliveTimeout = 2_000;
  }

  /** Serves `keyAuthorization` for `token` until {@link remove}. */
  add(token: string, keyAuthorization: string): void {
    if (!TOKEN.test(token)) throw new Error(`ACME challenge token '${token}' is not base64url`);
    this.answers.set(token, keyAuthorization);
  }

  remove(token: string): void {
    this.answers.delete(token);
  }

  /** Listens on `host:port` unless it already does; the error names the address. */
  async listen(host: string, port: number): Promise<{ port: number }> {
    if (!this.server.listening) {
      try {
        await new Promise<void>((resolve, reject) => {
          this.server.once('error', reject);
          this.server.listen(port, host, () => {
            this.server.off('error', reject);
            resolve();
          });
        });
      } catch (err) {
        throw new Error(
          `the HTTP-01 responder cannot listen on ${host}:${String(port)} (--acme-http): ${err instanceof Error ? err.message : String(err)}`,
          { cause: err },
        );
      }
    }
    const address = this.server.address();
    return { port: typeof address === 'object' && address !== null ? address.port : port };
  }

  close(): Promise<void> {
    if (!this.server.listening) return Promise.resolve();
    return new Promise((resolve) => {
      this.server.close(() => {
        resolve();
      });
      this.server.closeAllConnections();
    });
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '';
    const token = url.startsWith(PREFIX) ? url.slice(PREFIX.length) : undefined;
    const keyAuthorization =
      (req.method === 'GET' || req.method === 'HEAD') && token !== undefined && TOKEN.test(token)
        ? this.answers.get(token)
        : undefined;
    if (keyAuthorization === undefined) {
      // The body, if any, is not read: close instead of draining it.
      res.writeHead(404, { 'content-type': 'text/plain', connection: 'close' });
      res.end('not found\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.end(req.method === 'HEAD' ? undefined : keyAuthorization);
  }
}
