/**
 * Yubico OTP second factor as Proxmox checks it (PVE::OTP::yubico_verify_otp): the OTP is sent
 * to a Yubico validation server (protocol 2.0), whose signed answer says whether it is valid.
 * The request and the answer are signed with HMAC-SHA1 under the realm's API key, so a forged
 * or replayed "OK" cannot pass; the echoed otp and nonce tie the answer to this request.
 * Deciding whether the key's public id belongs to the user is the caller's job.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** The realm option `tfa=type=yubico,id=<client id>,key=<base64 API key>[,url=<verify url>]`. */
export interface YubicoRealmSettings {
  readonly id: string;
  readonly key: string;
  readonly url?: string;
}

/** Yubico's own validation service, used when the realm names no `url`. */
export const YUBICO_DEFAULT_URL = 'https://api2.yubico.com/wsapi/2.0/verify';
/** How long a validation server may take to answer, body included. */
export const YUBICO_DEFAULT_TIMEOUT_MS = 5000;
// Why: a real answer is a few hundred bytes; a larger one is not worth reading into memory.
const MAX_ANSWER_BYTES = 16 * 1024;

export type YubicoFailureCause =
  | 'yubico_unreachable'
  | 'yubico_bad_signature'
  | 'yubico_rejected'
  | 'yubico_mismatch'
  | 'yubico_bad_otp';

export type YubicoResult =
  | { readonly ok: true; readonly publicId: string }
  | { readonly ok: false; readonly cause: YubicoFailureCause; readonly reason: string };

export interface YubicoVerifyOptions {
  /** The HTTP client; the global `fetch` by default. */
  readonly fetch?: typeof fetch;
  readonly timeoutMs?: number;
  /** The request nonce (16-40 letters and digits); 32 random hex digits by default. */
  readonly nonce?: string;
}

/** The key's public id: the first 12 characters of an OTP, case kept (Proxmox stores it so). */
export function yubicoPublicId(otp: string): string {
  return otp.slice(0, 12);
}

// Modhex is the alphabet a YubiKey types whatever the keyboard layout; Proxmox refuses OTPs
// outside 32..48 characters (a 0..16-character public id before the 32-character token).
const OTP_SHAPE = /^[cbdefghijklnrtuv]{32,48}$/i;
// Why: the protocol asks for 16 to 40 characters, and only these need no escaping.
const NONCE_SHAPE = /^[A-Za-z0-9]{16,40}$/;

/** Whether `otp` can be a Yubico OTP at all: 32 to 48 modhex characters, any case. */
export function isYubicoOtpShape(otp: string): boolean {
  return OTP_SHAPE.test(otp);
}

/**
 * The protocol's signature of a request or an answer: base64 HMAC-SHA1, keyed with the
 * base64-decoded API key, over every parameter but `h`, sorted by name, as `k=v&k=v` with
 * the values not URL-encoded.
 *
 * @example signYubico({ id: '1', nonce: 'abcdefghijklmnop', otp: '…' }, apiKey)
 */
export function signYubico(params: Readonly<Record<string, string>>, keyBase64: string): string {
  const message = Object.keys(params)
    .filter((name) => name !== 'h')
    .sort()
    .map((name) => `${name}=${params[name] ?? ''}`)
    .join('&');
  return createHmac('sha1', Buffer.from(keyBase64, 'base64'))
    .update(message, 'utf8')
    .digest('base64');
}

/**
 * Asks the realm's validation server about `otp`. Never throws for anything the network or
 * the server does; the reason names the server's host, never the API key.
 */
export async function verifyYubicoOtp(
  settings: YubicoRealmSettings,
  otp: string,
  options: YubicoVerifyOptions = {},
): Promise<YubicoResult> {
  // Why: a typo or a pasted password must not reach a third-party server.
  if (!isYubicoOtpShape(otp)) {
    return fail(
      'yubico_bad_otp',
      `otp: expected 32 to 48 modhex characters, got ${otp.length} characters`,
    );
  }
  const nonce = options.nonce ?? randomBytes(16).toString('hex');
  if (!NONCE_SHAPE.test(nonce)) {
    throw new RangeError('nonce: expected 16 to 40 letters and digits');
  }
  const url = settings.url ?? YUBICO_DEFAULT_URL;
  const host = hostOf(url);
  if (host === undefined) {
    return fail('yubico_unreachable', 'realm url: expected an http or https URL');
  }

  const answer = await askServer(
    signedRequestUrl(url, { id: settings.id, nonce, otp, timestamp: '1' }, settings.key),
    host,
    options,
  );
  if (typeof answer !== 'string') return answer;
  const fields = parseAnswer(answer);
  const status = fields.get('status');
  const shownStatus = status === undefined ? 'no status' : describeStatus(status);

  const received = fields.get('h');
  // Why: an unsigned refusal (a server that does not know our client id cannot sign) can only
  // make us refuse, which anyone on the path could do anyway; an unsigned OK is worthless.
  if (received === undefined && status !== undefined && status !== 'OK') {
    return fail('yubico_rejected', `validation server answered ${shownStatus} (unsigned)`);
  }
  const fieldsWithoutH = Object.fromEntries([...fields].filter(([name]) => name !== 'h'));
  if (received === undefined || !sameText(received, signYubico(fieldsWithoutH, settings.key))) {
    return fail(
      'yubico_bad_signature',
      `validation server ${host}: answer ${received === undefined ? 'is not signed' : 'is not signed with the realm key'} (it says ${shownStatus}, unverified); check the realm's id and key`,
    );
  }

  // Why: a genuine answer to an earlier request (another OTP, another nonce) must not pass.
  for (const [name, sent] of [
    ['otp', otp],
    ['nonce', nonce],
  ] as const) {
    const echoed = fields.get(name);
    if (echoed === undefined ? status === 'OK' : echoed !== sent) {
      return fail(
        'yubico_mismatch',
        `validation server ${host}: answer ${name} ${echoed === undefined ? 'missing' : JSON.stringify(clip(echoed))}, expected ${JSON.stringify(sent)}`,
      );
    }
  }
  if (status !== 'OK') return fail('yubico_rejected', `validation server answered ${shownStatus}`);
  return { ok: true, publicId: yubicoPublicId(otp) };
}

function fail(cause: YubicoFailureCause, reason: string): YubicoResult {
  return { ok: false, cause, reason };
}

/** `url?k=v&…&h=sig`, the values URL-encoded after signing, as the protocol requires. */
function signedRequestUrl(url: string, params: Record<string, string>, key: string): string {
  const signed = { ...params, h: signYubico(params, key) };
  const query = Object.entries(signed)
    .map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
    .join('&');
  return `${url}${url.includes('?') ? '&' : '?'}${query}`;
}

/** The answer's body, or the failure to get it. */
async function askServer(
  requestUrl: string,
  host: string,
  options: YubicoVerifyOptions,
): Promise<string | YubicoResult> {
  const timeoutMs = options.timeoutMs ?? YUBICO_DEFAULT_TIMEOUT_MS;
  const doFetch = options.fetch ?? fetch;
  try {
    const response = await doFetch(requestUrl, { signal: AbortSignal.timeout(timeoutMs) });
    if (response.status !== 200) {
      await response.body?.cancel();
      return fail(
        'yubico_unreachable',
        `validation server ${host} answered HTTP ${response.status}, expected 200`,
      );
    }
    const body = await readCapped(response);
    if (body === undefined) {
      return fail(
        'yubico_unreachable',
        `validation server ${host}: answer longer than ${MAX_ANSWER_BYTES} bytes`,
      );
    }
    return body;
  } catch (error) {
    if (error instanceof Error && error.name === 'TimeoutError') {
      return fail(
        'yubico_unreachable',
        `validation server ${host} did not answer within ${timeoutMs} ms`,
      );
    }
    return fail('yubico_unreachable', `validation server ${host} unreachable: ${describe(error)}`);
  }
}

async function readCapped(response: Response): Promise<string | undefined> {
  if (response.body === null) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_ANSWER_BYTES) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** `key=value` lines; CR, surrounding blanks and lines without `=` are dropped. */
function parseAnswer(body: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of body.split('\n')) {
    const match = /^([^=\s]+)=(.*)$/.exec(line.trim());
    if (match?.[1] !== undefined && match[2] !== undefined) fields.set(match[1], match[2].trim());
  }
  return fields;
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Only the host is ever shown: the configured url may carry credentials. */
function hostOf(url: string): string | undefined {
  if (!URL.canParse(url)) return undefined;
  const parsed = new URL(url);
  return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.host : undefined;
}

// Why: status values come from the network and end up in logs; keep them short and plain.
function describeStatus(status: string): string {
  return /^[A-Z_]{1,40}$/.test(status) ? status : JSON.stringify(clip(status));
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause: unknown = error.cause;
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
}
