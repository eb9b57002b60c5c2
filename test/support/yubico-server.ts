/**
 * A real Yubico OTP validation server (protocol 2.0) on 127.0.0.1, for tests: clients sign
 * their requests, answers are signed with the client's key, a validated OTP cannot be used
 * twice. It checks signatures on its own (not with the client's signYubico) so that a wrong
 * client shows. Modes let a test make it misbehave the ways a real server or the path can.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type YubicoServerMode =
  /** Answers as the protocol says. */
  | 'normal'
  /** Signs its answers with a key nobody knows. */
  | 'bad-signature'
  /** Answers OK, correctly signed, but for another OTP of the same key. */
  | 'tamper-otp'
  /** Answers OK, correctly signed, but with another nonce. */
  | 'tamper-nonce'
  /** Drops each connection without an answer. */
  | 'down'
  /** Never answers. */
  | 'hang'
  /** Answers HTTP 500. */
  | 'http-error';

export interface YubicoServerOptions {
  /** Client id → base64 API key. */
  readonly clients: Readonly<Record<string, string>>;
  /** The public ids of the YubiKeys the server knows. */
  readonly keys: readonly string[];
}

export interface YubicoServer {
  /** The verify endpoint, `http://127.0.0.1:<port>/wsapi/2.0/verify`. */
  readonly url: string;
  /** How many requests reached the server, whatever their fate. */
  readonly requests: number;
  setMode(mode?: YubicoServerMode): void;
  close(): Promise<void>;
}

const MODHEX = 'cbdefghijklnrtuv';
const PATH = '/wsapi/2.0/verify';

/** A fresh OTP of `publicId`: the id and 32 random modhex characters. */
export function makeOtp(publicId: string): string {
  return (
    publicId +
    [...randomBytes(16)].map((byte) => `${MODHEX[byte >> 4]}${MODHEX[byte & 15]}`).join('')
  );
}

function sign(fields: Readonly<Record<string, string>>, keyBase64: string): string {
  const message = Object.entries(fields)
    .filter(([name]) => name !== 'h')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  return createHmac('sha1', Buffer.from(keyBase64, 'base64')).update(message).digest('base64');
}

/** `2024-03-01T12:00:00Z0123`: the protocol's UTC time with milliseconds after the Z. */
function protocolTime(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 19)}Z0${iso.slice(20, 23)}`;
}

export async function startYubicoServer(options: YubicoServerOptions): Promise<YubicoServer> {
  const knownKeys = new Set(options.keys.map((id) => id.toLowerCase()));
  /** Validated OTP (lower case) → the nonce of the request that validated it. */
  const used = new Map<string, string>();
  let mode: YubicoServerMode = 'normal';
  let requests = 0;
  let sessionCounter = 0;

  function answer(
    res: ServerResponse,
    status: string,
    echo: Readonly<Record<string, string>>,
    key: string | undefined,
  ): void {
    const fields: Record<string, string> = { ...echo, t: protocolTime(new Date()), status };
    // Why: an unknown client has no key to sign with, as on Yubico's servers.
    if (key !== undefined) {
      fields['h'] = sign(
        fields,
        mode === 'bad-signature' ? randomBytes(20).toString('base64') : key,
      );
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(
      Object.entries(fields)
        .map(([name, value]) => `${name}=${value}\r\n`)
        .join('') + '\r\n',
    );
  }

  const server = createServer((req, res) => {
    requests += 1;
    if (mode === 'hang') return;
    if (mode === 'down') {
      req.socket.destroy();
      return;
    }
    if (mode === 'http-error') {
      res.writeHead(500).end('internal error\n');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' || url.pathname !== PATH) {
      res.writeHead(404).end('not found\n');
      return;
    }
    const params = Object.fromEntries(url.searchParams);
    const { id, otp, nonce, h } = params;
    const key = id === undefined ? undefined : options.clients[id];
    const echo: Record<string, string> = {};
    if (otp !== undefined) echo['otp'] = otp;
    if (nonce !== undefined) echo['nonce'] = nonce;

    if (id === undefined || otp === undefined || nonce === undefined || h === undefined) {
      // Why: Yubico accepts unsigned requests; this server does not, so a client that forgets
      // to sign is caught by the tests.
      answer(res, 'MISSING_PARAMETER', echo, key);
      return;
    }
    if (key === undefined) {
      answer(res, 'NO_SUCH_CLIENT', echo, undefined);
      return;
    }
    if (h !== sign(params, key)) {
      answer(res, 'BAD_SIGNATURE', echo, key);
      return;
    }
    if (!/^[A-Za-z0-9]{16,40}$/.test(nonce)) {
      answer(res, 'MISSING_PARAMETER', echo, key);
      return;
    }
    const lowerOtp = otp.toLowerCase();
    if (!/^[cbdefghijklnrtuv]{32,48}$/.test(lowerOtp) || !knownKeys.has(lowerOtp.slice(0, -32))) {
      answer(res, 'BAD_OTP', echo, key);
      return;
    }
    const usedWith = used.get(lowerOtp);
    if (usedWith !== undefined) {
      answer(res, usedWith === nonce ? 'REPLAYED_REQUEST' : 'REPLAYED_OTP', echo, key);
      return;
    }
    used.set(lowerOtp, nonce);
    sessionCounter += 1;
    const ok: Record<string, string> = { ...echo, sl: '100' };
    if (params['timestamp'] === '1') {
      Object.assign(ok, {
        timestamp: String(sessionCounter * 8),
        sessioncounter: String(sessionCounter),
        sessionuse: '1',
      });
    }
    if (mode === 'tamper-otp') ok['otp'] = makeOtp(lowerOtp.slice(0, -32));
    if (mode === 'tamper-nonce') ok['nonce'] = randomBytes(16).toString('hex');
    answer(res, 'OK', ok, key);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}${PATH}`,
    get requests() {
      return requests;
    },
    setMode(next: YubicoServerMode = 'normal') {
      mode = next;
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        });
        // Why: hanging and keep-alive connections would hold close() open.
        server.closeAllConnections();
      });
    },
  };
}
