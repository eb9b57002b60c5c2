/**
 * A stand-in for pveproxy in front of Proxmox VE's own API methods (the reference oracle,
 * ../shared/reference/oracle/run-oracle.sh), for testing clients of the API: it reads a
 * request as pve-http-server does (PVE::APIServer::AnyEvent: the path URL-decoded to bytes;
 * a JSON body, or `decode_urlencoded` of a form body, values decoded from UTF-8 and an empty
 * value as undefined; then the query's parameters over the body's), checks the `PVEAPIToken=` header with Proxmox's verify_token
 * on the current files, runs the method as that token and answers as pveproxy's JSON
 * formatter does: `{"data": ...}`, or the status with the message's first line as reason
 * phrase and `{"data":null,"message":...,"errors":...}`. A change's files are kept for the
 * next request. One oracle start per request (about 0.3 s); GET answers are cached per state.
 *
 * The oracle keeps its files as Perl byte strings: they are passed and kept here as
 * "binary" strings (one character per byte), as pmxcfs hands them to Proxmox.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { referenceRoot } from './api-schema.js';

interface OracleApiAnswer {
  readonly status: number;
  readonly data?: unknown;
  readonly message?: string;
  readonly errors?: Record<string, string>;
  readonly changed_files?: Record<string, string | null>;
}

export interface PveproxyStandIn {
  readonly url: string;
  /** The files now, as UTF-8 text. */
  files(): Record<string, string>;
  /** Each request's method, path and the token id it came with (secret left out). */
  readonly seen: string[];
  close(): Promise<void>;
}

const toBytes = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');
const fromBytes = (binary: string): string => Buffer.from(binary, 'latin1').toString('utf8');

function runOracle(request: unknown): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(referenceRoot, 'oracle', 'run-oracle.sh'), [], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`the oracle exited with ${String(code)}`));
        return;
      }
      resolve(
        (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { results: unknown[] }).results,
      );
    });
    child.stdin.end(JSON.stringify(request));
  });
}

/** URI::Escape's uri_unescape (with `+` as a space where a form says so): the bytes. */
function unescapeBytes(text: string, plus: boolean): Buffer {
  const spaced = plus ? text.replace(/\+/g, ' ') : text;
  return Buffer.from(
    spaced.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) =>
      String.fromCharCode(parseInt(hex, 16)),
    ),
    'latin1',
  );
}

type Params = Record<string, string | string[] | null>;

/** PVE::APIServer::AnyEvent's decode_urlencoded, on the raw (still encoded) text. */
function decodeUrlencoded(data: string, into: Params): Params {
  const res: Params = {};
  for (const kv of data === '' ? [] : data.split(/[&;]/)) {
    // Perl's split drops trailing empty fields: `k=` has no value, and `k=a=b` is `a`.
    const parts = kv.split('=');
    while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
    const key = unescapeBytes(parts[0] ?? '', true).toString('latin1');
    const raw = parts[1];
    if (raw === undefined) {
      res[key] = null;
      continue;
    }
    const value = unescapeBytes(raw, true).toString('utf8');
    const old = res[key];
    res[key] =
      old === undefined || old === null ? value : [...(Array.isArray(old) ? old : [old]), value];
  }
  return Object.assign(into, res);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    req.on('error', reject);
  });
}

/** HTTP::Response through PVE::APIServer::AnyEvent::response: the message's first line. */
function send(res: ServerResponse, status: number, message: string, body?: unknown): void {
  const reason = toBytes(/^(.*)$/m.exec(message)?.[1] ?? '');
  if (body === undefined) {
    res.writeHead(status, reason, { 'content-length': '0' });
    res.end();
    return;
  }
  const raw = JSON.stringify(body);
  res.writeHead(status, reason, {
    'content-type': 'application/json;charset=UTF-8',
    'content-length': String(Buffer.byteLength(raw)),
  });
  res.end(raw);
}

export async function startPveproxy(
  cert: { cert: string; key: string },
  start: Readonly<Record<string, string>>,
): Promise<PveproxyStandIn> {
  let files: Record<string, string> = Object.fromEntries(
    Object.entries(start).map(([name, text]) => [name, toBytes(text)]),
  );
  const cache = new Map<string, OracleApiAnswer>();
  const seen: string[] = [];

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const target = new URL(req.url ?? '/', 'https://stand-in');
    const path = unescapeBytes(target.pathname, false).toString('latin1');
    const body = await readBody(req);
    if (body !== '' && method !== 'PUT' && method !== 'POST') {
      send(res, 501, `Unexpected content for method '${method}'`);
      return;
    }
    const auth = /^PVEAPIToken=(\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    seen.push(`${method} ${path} ${auth?.replace(/=.*$/, '') ?? '(no token)'}`);
    if (auth === undefined) {
      send(res, 401, 'No ticket');
      return;
    }
    // extract_params: a JSON body (by its exact media type) or a form, then the query over it.
    const mediaType = (req.headers['content-type'] ?? '').split(/\s*[;,]\s*/)[0];
    const fromBody =
      mediaType === 'application/json'
        ? (JSON.parse(Buffer.from(body, 'latin1').toString('utf8')) as Params)
        : decodeUrlencoded(body, {});
    const params = decodeUrlencoded(target.search.replace(/^\?/, ''), fromBody);
    const tokenid = toBytes(auth.replace(/=[^=]*$/, ''));
    const query = { op: 'api', authid: tokenid, method, path, params };
    const key = JSON.stringify([files, query]);
    let result = method === 'GET' ? cache.get(key) : undefined;
    if (result === undefined) {
      const [verified, called] = (await runOracle({
        files,
        queries: [{ op: 'verify_token', value: toBytes(auth) }, query],
      })) as [{ tokenid?: string; error?: string }, OracleApiAnswer];
      if (verified.tokenid === undefined) {
        // pve-manager's auth_handler: a plain die, so no body (after a 3 s delay, left out here).
        send(res, 401, 'Authentication failed!');
        return;
      }
      result = called;
      for (const [name, text] of Object.entries(called.changed_files ?? {}))
        if (text === null) Reflect.deleteProperty(files, name);
        else files = { ...files, [name]: text };
      if (method === 'GET') cache.set(key, result);
    }
    if (result.status === 200) {
      send(res, 200, 'OK', { data: result.data ?? null });
      return;
    }
    const message = result.message ?? '';
    send(res, result.status, message, {
      data: null,
      message,
      ...(result.errors !== undefined ? { errors: result.errors } : {}),
    });
  }

  const server: Server = createServer(
    { cert: readFileSync(cert.cert), key: readFileSync(cert.key) },
    (req, res) => {
      answer(req, res).catch((err: unknown) => {
        send(res, 500, err instanceof Error ? err.message : String(err));
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${String(port)}`,
    files: () => Object.fromEntries(Object.entries(files).map(([n, t]) => [n, fromBytes(t)])),
    seen,
    close: () =>
      new Promise((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
}
