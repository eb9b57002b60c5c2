/**
 * `priv/tfa.cfg`: second factors, as the compact JSON that Proxmox's Rust code writes
 * (`{"users":{"<userid>":{"totp":[...],"webauthn":[...],"recovery":{...},...}}}`). Files from
 * before 2021 use a line format, `<user>:<type>:<base64 JSON>`, which is read and converted
 * like Proxmox does; writing always gives JSON.
 */
import { asUserId, listSeparatorError, type UserId } from '../model/ids.js';
import { base32Decode } from '../model/base32.js';
import { splitList } from '../model/text.js';
import type {
  RecoveryKeys,
  TfaConfig,
  TfaInfo,
  TfaUser,
  TotpEntry,
  U2fEntry,
  WebauthnEntry,
  YubicoEntry,
} from '../model/tfa.js';
import {
  formatTotpUri,
  parseTotpUri,
  TotpUriError,
  type TotpParameters,
} from '../model/totp-uri.js';
import { DiagnosticSink, type Parsed } from './diagnostics.js';

export interface TfaParseOptions {
  /** Unix time now: a `tfa-locked-until` at or before it is over and dropped, as upstream. */
  readonly now: number;
}

type Json = Record<string, unknown>;

const USER_KEYS = new Set([
  'totp',
  'u2f',
  'webauthn',
  'recovery',
  'yubico',
  'totp-locked',
  'tfa-locked-until',
]);
/** The fields of a WebAuthn credential that webauthn-rs writes, in its order. */
const WEBAUTHN_KEYS = [
  'cred_id',
  'cred',
  'counter',
  'user_verified',
  'backup_eligible',
  'backup_state',
  'registration_policy',
];

class EntryError extends Error {}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

const ENTRY_KEYS = new Set(['id', 'description', 'created', 'enable', 'entry']);

function parseInfo(entry: Json, what: string): TfaInfo {
  // Proxmox rejects unknown fields in an entry, as in a user.
  const unknown = Object.keys(entry).find((key) => !ENTRY_KEYS.has(key));
  if (unknown !== undefined) throw new EntryError(`${what}: unknown field '${unknown}'`);
  const { id, description = '', created, enable = true } = entry;
  if (typeof id !== 'string' || id === '') throw new EntryError(`${what}: missing 'id'`);
  if (typeof description !== 'string')
    throw new EntryError(`${what}: 'description' must be a string`);
  if (!isInteger(created)) throw new EntryError(`${what}: 'created' must be an integer`);
  if (typeof enable !== 'boolean') throw new EntryError(`${what}: 'enable' must be a boolean`);
  return { id, description, created, enable };
}

function parseTotpEntry(entry: Json, what: string): TotpEntry {
  const info = parseInfo(entry, what);
  const value = entry['entry'];
  let uri: unknown = value;
  let lastCount: number | undefined;
  if (isObject(value)) {
    uri = value['totp'];
    const count = value['last-count'];
    if (count !== undefined && !isInteger(count))
      throw new EntryError(`${what}: 'last-count' must be an integer`);
    lastCount = count;
  }
  if (typeof uri !== 'string') throw new EntryError(`${what}: expected an otpauth URI`);
  let totp: TotpParameters;
  try {
    totp = parseTotpUri(uri);
  } catch (err) {
    if (err instanceof TotpUriError) throw new EntryError(`${what}: ${err.message}`);
    throw err;
  }
  return lastCount === undefined ? { info, totp } : { info, totp, lastCount };
}

function parseWebauthnEntry(entry: Json, what: string): WebauthnEntry {
  const info = parseInfo(entry, what);
  const credential = entry['entry'];
  if (
    !isObject(credential) ||
    credential['cred_id'] === undefined ||
    !isObject(credential['cred']) ||
    !isInteger(credential['counter'])
  ) {
    throw new EntryError(`${what}: expected a credential with 'cred_id', 'cred' and 'counter'`);
  }
  // Flags added by later webauthn-rs versions default to false, and are written from then on.
  const normalized: Json = { backup_eligible: false, backup_state: false, ...credential };
  const ordered: Json = {};
  for (const key of WEBAUTHN_KEYS)
    if (normalized[key] !== undefined) ordered[key] = normalized[key];
  return { info, credential: ordered };
}

function parseU2fEntry(entry: Json, what: string): U2fEntry {
  const info = parseInfo(entry, what);
  const registration = entry['entry'];
  if (
    !isObject(registration) ||
    !isObject(registration['key']) ||
    typeof registration['public-key'] !== 'string'
  ) {
    throw new EntryError(`${what}: expected a registration with 'key' and 'public-key'`);
  }
  return { info, registration };
}

function parseYubicoEntry(entry: Json, what: string): YubicoEntry {
  const info = parseInfo(entry, what);
  const publicId = entry['entry'];
  if (typeof publicId !== 'string' || !/^[A-Za-z0-9]+$/.test(publicId))
    throw new EntryError(`${what}: expected a Yubico key id`);
  return { info, publicId };
}

function parseRecovery(value: unknown, what: string): RecoveryKeys {
  if (!isObject(value)) throw new EntryError(`${what}: expected an object`);
  const { secret, entries, created } = value;
  if (typeof secret !== 'string' || !/^[0-9a-f]+$/i.test(secret))
    throw new EntryError(`${what}: 'secret' must be hex`);
  if (
    !Array.isArray(entries) ||
    !entries.every((e) => e === null || (typeof e === 'string' && /^[0-9a-f]{64}$/i.test(e)))
  ) {
    throw new EntryError(`${what}: 'entries' must be HMAC values or null`);
  }
  if (!isInteger(created)) throw new EntryError(`${what}: 'created' must be an integer`);
  return { secret, entries: entries as (string | null)[], created };
}

function parseList<T>(value: unknown, what: string, parse: (entry: Json, what: string) => T): T[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new EntryError(`${what}: expected a list`);
  return value.map((entry: unknown, i) => {
    if (!isObject(entry)) throw new EntryError(`${what}[${i}]: expected an object`);
    return parse(entry, `${what}[${i}]`);
  });
}

/** Reads one user's entry; a lock that ended before `now` is dropped. Throws on bad data. */
export function tfaUserFromJson(data: unknown, userid: string, now: number): TfaUser {
  if (!isObject(data)) throw new EntryError(`user '${userid}': expected an object`);
  for (const key of Object.keys(data)) {
    // Proxmox rejects unknown fields here (and with them the whole file).
    if (!USER_KEYS.has(key)) throw new EntryError(`user '${userid}': unknown field '${key}'`);
  }
  const locked = data['totp-locked'] ?? false;
  if (typeof locked !== 'boolean')
    throw new EntryError(`user '${userid}': 'totp-locked' must be a boolean`);
  const until = data['tfa-locked-until'];
  if (until !== undefined && !isInteger(until))
    throw new EntryError(`user '${userid}': 'tfa-locked-until' must be an integer`);
  const user: TfaUser = {
    totp: parseList(data['totp'], `user '${userid}' totp`, parseTotpEntry),
    u2f: parseList(data['u2f'], `user '${userid}' u2f`, parseU2fEntry),
    webauthn: parseList(data['webauthn'], `user '${userid}' webauthn`, parseWebauthnEntry),
    yubico: parseList(data['yubico'], `user '${userid}' yubico`, parseYubicoEntry),
    totpLocked: locked,
  };
  const recovery =
    data['recovery'] === undefined || data['recovery'] === null
      ? undefined
      : parseRecovery(data['recovery'], `user '${userid}' recovery`);
  return {
    ...user,
    ...(recovery !== undefined ? { recovery } : {}),
    // A lock that is already over is forgotten.
    ...(until !== undefined && until > now ? { tfaLockedUntil: until } : {}),
  };
}

export function parseTfaCfg(
  text: string,
  options: TfaParseOptions,
  file = 'priv/tfa.cfg',
): Parsed<TfaConfig> {
  const sink = new DiagnosticSink(file);
  const users = new Map<UserId, TfaUser>();
  if (text.trim() === '') return { value: { users }, diagnostics: [] };

  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    const v1 = parseV1(text, sink);
    if (v1) return { value: { users: v1 }, diagnostics: sink.diagnostics };
    sink.error(0, 'failed to parse TFA file, neither old style nor valid json');
    return { value: { users }, diagnostics: sink.diagnostics };
  }
  if (!isObject(json)) {
    sink.error(0, 'expected a JSON object');
    return { value: { users }, diagnostics: sink.diagnostics };
  }
  // WebAuthn and U2F settings belong to the datacenter configuration in Proxmox VE; a copy
  // here is ignored and not written back.
  for (const key of ['webauthn', 'u2f']) {
    if (json[key] !== undefined)
      sink.warning(
        0,
        `ignoring the '${key}' settings: they are configured per deployment, not in tfa.cfg`,
      );
  }
  const data = json['users'] ?? {};
  if (!isObject(data)) {
    sink.error(0, "'users' must be an object");
    return { value: { users }, diagnostics: sink.diagnostics };
  }
  for (const [id, userData] of Object.entries(data)) {
    const userid = asUserId(id);
    if (userid === undefined) {
      sink.error(
        0,
        `user tfa config - ignore user '${id}' - ${listSeparatorError(id) ?? 'invalid user name'}`,
      );
      continue;
    }
    try {
      users.set(userid, tfaUserFromJson(userData, id, options.now));
    } catch (err) {
      if (!(err instanceof EntryError)) throw err;
      sink.error(0, `${err.message}; the user's second factors are not loaded`);
    }
  }
  return { value: { users }, diagnostics: sink.diagnostics };
}

/** Proxmox's pre-2021 line format. Returns undefined when the text is not in it either. */
function parseV1(text: string, sink: DiagnosticSink): Map<UserId, TfaUser> | undefined {
  const users = new Map<UserId, TfaUser>();
  const converted: TfaInfo = {
    id: 'v1-entry',
    description: '<old version 1 entry>',
    created: 0,
    enable: true,
  };
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = (lines[index] ?? '').trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([^:]+):([a-z0-9]+):([A-Za-z0-9+/=]+)$/.exec(line);
    if (!match) return undefined;
    let data: unknown;
    try {
      data = JSON.parse(Buffer.from(match[3] ?? '', 'base64').toString('utf8'));
    } catch {
      return undefined;
    }
    const id = match[1] ?? '';
    const userid = asUserId(id);
    if (userid === undefined || !isObject(data)) {
      sink.error(
        index + 1,
        `user tfa config - ignore user '${id}' - ${listSeparatorError(id) ?? 'invalid user name'}`,
      );
      continue;
    }
    const user = users.get(userid) ?? {
      totp: [],
      u2f: [],
      webauthn: [],
      yubico: [],
      totpLocked: false,
    };
    const type = match[2];
    if (type === 'oath') {
      const config = isObject(data['config']) ? data['config'] : {};
      const digits = Number(config['digits'] ?? 6);
      const period = Number(config['step'] ?? 30);
      const keys = splitList(typeof data['keys'] === 'string' ? data['keys'] : '');
      const totp = keys.flatMap((key) => {
        const secret = decodeLegacyOathKey(key);
        if (!secret) return [];
        return [
          {
            info: converted,
            totp: {
              secret,
              digits,
              period,
              algorithm: 'SHA1',
              issuer: 'Proxmox VE',
              account: `Old key for ${userid}`,
            } satisfies TotpParameters,
          },
        ];
      });
      users.set(userid, { ...user, totp: [...user.totp, ...totp] });
    } else if (type === 'yubico') {
      const keys = splitList(typeof data['keys'] === 'string' ? data['keys'] : '');
      users.set(userid, {
        ...user,
        yubico: [...user.yubico, ...keys.map((publicId) => ({ info: converted, publicId }))],
      });
    } else if (type === 'u2f') {
      // A registration that never finished still holds its challenge: it is dropped.
      if (
        data['challenge'] !== undefined ||
        typeof data['keyHandle'] !== 'string' ||
        typeof data['publicKey'] !== 'string'
      )
        continue;
      const registration = {
        key: { keyHandle: data['keyHandle'], version: 'U2F_V2' },
        'public-key': data['publicKey'],
      };
      users.set(userid, { ...user, u2f: [...user.u2f, { info: converted, registration }] });
    } else {
      sink.error(index + 1, `ignore unknown second factor type '${type ?? ''}'`);
    }
  }
  return users;
}

/** Legacy OATH keys: `v2-0x<hex>`, `v2-<base32>`, 16 base32 characters or 40 hex characters. */
export function decodeLegacyOathKey(key: string): Uint8Array | undefined {
  if (key.startsWith('v2-0x'))
    return /^[0-9a-fA-F]+$/.test(key.slice(5)) ? Buffer.from(key.slice(5), 'hex') : undefined;
  if (key.startsWith('v2-')) return base32Decode(key.slice(3));
  if (/^[A-Z2-7=]{16}$/.test(key)) return base32Decode(key);
  if (/^[0-9a-fA-F]{40}$/.test(key)) return Buffer.from(key, 'hex');
  return undefined;
}

function infoJson(info: TfaInfo, entry: unknown): Json {
  return {
    id: info.id,
    ...(info.description !== '' ? { description: info.description } : {}),
    created: info.created,
    ...(info.enable ? {} : { enable: false }),
    entry,
  };
}

/** One user's entry as tfa.cfg holds it. */
export function tfaUserToJson(user: TfaUser): Record<string, unknown> {
  const out: Json = {};
  if (user.totp.length > 0) {
    out['totp'] = user.totp.map((t) =>
      infoJson(
        t.info,
        t.lastCount === undefined
          ? formatTotpUri(t.totp)
          : { totp: formatTotpUri(t.totp), 'last-count': t.lastCount },
      ),
    );
  }
  if (user.u2f.length > 0) out['u2f'] = user.u2f.map((u) => infoJson(u.info, u.registration));
  if (user.webauthn.length > 0)
    out['webauthn'] = user.webauthn.map((w) => infoJson(w.info, w.credential));
  if (user.recovery)
    out['recovery'] = {
      secret: user.recovery.secret,
      entries: user.recovery.entries,
      created: user.recovery.created,
    };
  if (user.yubico.length > 0) out['yubico'] = user.yubico.map((y) => infoJson(y.info, y.publicId));
  if (user.totpLocked) out['totp-locked'] = true;
  if (user.tfaLockedUntil !== undefined) out['tfa-locked-until'] = user.tfaLockedUntil;
  return out;
}

/**
 * Writes tfa.cfg as compact JSON with no trailing newline, users in the order of the map.
 * Proxmox writes hash order, which is random; Tessera keeps the order it read and appends
 * new users, so an imported file is exported unchanged.
 */
export function serializeTfaCfg(config: TfaConfig): string {
  if (config.users.size === 0) return '{}';
  const users: Json = {};
  for (const [userid, user] of config.users) users[userid] = tfaUserToJson(user);
  return JSON.stringify({ users });
}
