/**
 * A pveum command against a remote node: its operation is called over the node's API
 * (a running Tessera, or a Proxmox VE node), authenticated with an API token. The token
 * comes from $TESSERA_API_TOKEN or a file (--token-file, $TESSERA_API_TOKEN_FILE), never
 * from the command line, where `ps` would show it. The server's certificate is checked
 * against the system's authorities, or pinned by its SHA-256 fingerprint (--fingerprint,
 * $TESSERA_REMOTE_FINGERPRINT), as for a node's self-signed certificate.
 *
 * Parameters go as pveum's command line gave them, as text (booleans `1`/`0`, lists joined
 * with commas), in the query of a GET or DELETE and as a JSON object in the body of a POST
 * or PUT, both of which Proxmox's API reads; path parameters are URL-encoded. Not a form
 * body: pveproxy reads `comment=` as no comment at all, so `--comment ''` would leave the
 * comment as it was where pveum clears it. Refusals print as the local
 * mode prints them: a method's own failure (HTTP 500, Perl's plain `die`) by its message
 * alone, others with their status.
 */
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { request } from 'node:https';
import { connect, type TLSSocket } from 'node:tls';
import type { Operation } from '../../api/operation.js';
import { TesseraError } from '../../errors.js';
import { RemoteFailure } from './failure.js';

export interface RemoteTarget {
  readonly url: string;
  readonly tokenFile: string | undefined;
  readonly fingerprint: string | undefined;
}

/** The most of an answer read: the largest listings are a few megabytes. */
const MAX_ANSWER = 64 * 1024 * 1024;
const TIMEOUT_MS = 60_000;

function usage(message: string): TesseraError {
  return new TesseraError('usage', message);
}

async function apiToken(tokenFile: string | undefined): Promise<string> {
  const file = tokenFile ?? process.env['TESSERA_API_TOKEN_FILE'];
  const text =
    file !== undefined ? (await readFile(file, 'utf8')).trim() : process.env['TESSERA_API_TOKEN'];
  if (text === undefined || text === '')
    throw usage(
      '--remote needs an API token: set TESSERA_API_TOKEN=<user@realm!name>=<secret>, or ' +
        'put it in a file given with --token-file or TESSERA_API_TOKEN_FILE',
    );
  const token = text.replace(/^PVEAPIToken=/, '');
  if (!/^[^\s!=]+@[^\s!=]+![^\s=]+=\S+$/.test(token))
    throw usage('the API token must look like user@realm!name=secret');
  return token;
}

function baseUrl(remote: string): URL {
  let url: URL;
  try {
    url = new URL(/^[a-z]+:\/\//i.test(remote) ? remote : `https://${remote}`);
  } catch {
    throw usage(`--remote: '${remote}' is not a URL such as https://pve.example.com:8006`);
  }
  if (url.protocol !== 'https:')
    throw usage('--remote: only https:// (an API token is never sent in the clear)');
  if (url.port === '' && !/:\d+$/.test(url.host)) url.port = '8006';
  return url;
}

function normalizeFingerprint(text: string): string {
  const hex = text.replace(/:/g, '').toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex))
    throw usage('--fingerprint: a SHA-256 fingerprint, 64 hex digits (colons allowed)');
  return hex;
}

/**
 * A TLS connection to a server whose certificate is pinned, checked before any byte of the
 * request is written: Node calls checkServerIdentity only for certificates its authorities
 * vouch for, never for a self-signed one, so the pin is checked here on the open socket.
 */
function pinnedSocket(base: URL, pinned: string): Promise<TLSSocket> {
  const host = base.hostname.replace(/^\[(.*)\]$/, '$1');
  return new Promise((resolve, reject) => {
    const socket = connect({
      host,
      port: Number(base.port),
      ...(isIP(host) === 0 ? { servername: host } : {}),
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    });
    socket.setTimeout(TIMEOUT_MS, () =>
      socket.destroy(new Error(`no answer from ${base.host} within 60 s`)),
    );
    socket.once('error', (err: Error) => {
      reject(new RemoteFailure('rejected', `${base.host}: ${err.message}\n`));
    });
    socket.once('secureConnect', () => {
      const seen = socket.getPeerCertificate().fingerprint256;
      if (seen.replace(/:/g, '') === pinned) {
        socket.setTimeout(0);
        resolve(socket);
        return;
      }
      socket.destroy();
      reject(
        new RemoteFailure(
          'rejected',
          `${base.host}: the server's certificate fingerprint is ${seen}, not the one given\n`,
        ),
      );
    });
  });
}

export async function runRemote(
  operation: Operation,
  params: Readonly<Record<string, string>>,
  target: RemoteTarget,
): Promise<unknown> {
  const token = await apiToken(target.tokenFile);
  const base = baseUrl(target.url);
  const pinned =
    (target.fingerprint ?? process.env['TESSERA_REMOTE_FINGERPRINT']) === undefined
      ? undefined
      : normalizeFingerprint(target.fingerprint ?? process.env['TESSERA_REMOTE_FINGERPRINT'] ?? '');
  const inPath = new Set<string>();
  const path = operation.path.replace(/:([a-z-]+)/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw usage(`missing ${name}`);
    inPath.add(name);
    return encodeURIComponent(value);
  });
  const rest = Object.entries(params).filter(([name]) => !inPath.has(name));
  const hasBody = operation.method === 'POST' || operation.method === 'PUT';
  const body = hasBody ? JSON.stringify(Object.fromEntries(rest)) : '';
  const url = new URL(`${base.pathname.replace(/\/$/, '')}/api2/json${path}`, base);
  if (!hasBody && rest.length > 0) url.search = new URLSearchParams(rest).toString();
  const socket = pinned === undefined ? undefined : await pinnedSocket(base, pinned);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: operation.method,
        timeout: TIMEOUT_MS,
        headers: {
          authorization: `PVEAPIToken=${token}`,
          ...(hasBody
            ? {
                'content-type': 'application/json',
                'content-length': Buffer.byteLength(body),
              }
            : {}),
        },
        ...(socket !== undefined ? { createConnection: () => socket } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER) req.destroy(new Error('the answer is too large'));
          else chunks.push(chunk);
        });
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8');
          let body: { data?: unknown; message?: string; errors?: Record<string, string> } = {};
          try {
            body = text === '' ? {} : (JSON.parse(text) as typeof body);
          } catch {
            // Not JSON (a proxy's error page): the status line says what happened.
          }
          if (status >= 200 && status < 300) {
            resolve(body.data ?? null);
            return;
          }
          if (body.errors !== undefined) {
            reject(
              new TesseraError('invalid_value', 'Parameter verification failed.', {
                errors: body.errors,
              }),
            );
            return;
          }
          const message = (body.message ?? res.statusMessage ?? '').trimEnd();
          reject(
            new RemoteFailure(
              'rejected',
              status === 500 && message !== '' ? `${message}\n` : `${String(status)} ${message}\n`,
            ),
          );
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${base.host} within 60 s`)));
    req.on('error', (err) => {
      reject(new RemoteFailure('rejected', `${base.host}: ${err.message}\n`));
    });
    if (hasBody) req.write(body);
    req.end();
  });
}
