/**
 * `datacenter.cfg`: Proxmox VE's cluster-wide options, one `key: value` per line, `#` lines
 * the datacenter's description (pve-cluster's `PVE::DataCenterConfig`).
 *
 * Tessera reads the settings that concern authentication (`webauthn`, `u2f`, `http_proxy`,
 * `consent-text`) strictly: a value Proxmox would drop, or one that cannot work (an origin
 * that is not a URL, a relying party id that does not match it, consent text that is not
 * base64), is an error naming the line and key, and an import refuses the file. Every other
 * line is kept as it is, read or not: the writer gives back the text it was given, byte for
 * byte, so Proxmox gets its console, HA, migration and tag settings back unchanged. Lines
 * Proxmox itself would ignore (unknown keys, lines without `key:`) are warnings.
 */
import {
  CONSENT_TEXT_MAX,
  decodeConsentText,
  type DatacenterConfig,
  type U2fConfig,
  type WebauthnConfig,
} from '../model/datacenter.js';
import { DiagnosticSink, type Parsed } from './diagnostics.js';

/** The keys of Proxmox VE 9's schema (`get_datacenter_schema`); any other is ignored there. */
const KNOWN_KEYS: ReadonlySet<string> = new Set([
  'bwlimit',
  'consent-text',
  'console',
  'crs',
  'description',
  'email_from',
  'fencing',
  'ha',
  'http_proxy',
  'keyboard',
  'language',
  'location',
  'mac_prefix',
  'max_workers',
  'migration',
  'migration_unsecure',
  'next-id',
  'notify',
  'registered-tags',
  'replication',
  'tag-style',
  'u2f',
  'user-tag-access',
  'webauthn',
]);

type AuthKey = 'webauthn' | 'u2f' | 'http_proxy' | 'consent-text';
const AUTH_KEYS: ReadonlySet<string> = new Set<AuthKey>([
  'webauthn',
  'u2f',
  'http_proxy',
  'consent-text',
]);

/** A value Tessera cannot use; the message names what was expected. */
class Invalid extends Error {}

// Proxmox's parse_config: each line trimmed, `#` lines are the description, then `key: value`.
const KEY_LINE = /^(\S+?):\s*(.*)$/;

/** A proxy URL's password must not reach a diagnostic (they are printed and logged). */
function redact(text: string): string {
  return text.replace(/\/\/[^/@\s]*@/g, '//***@');
}

export function parseDatacenterCfg(
  text: string,
  file = 'datacenter.cfg',
): Parsed<DatacenterConfig> {
  const sink = new DiagnosticSink(file);
  const values = new Map<AuthKey, { value: string; line: number }>();
  const seen = new Map<string, number>();
  text.split('\n').forEach((raw, index) => {
    const lineNo = index + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = KEY_LINE.exec(line);
    if (!match) {
      sink.warning(lineNo, `ignore config line: ${redact(line)} (Proxmox ignores it too; kept)`);
      return;
    }
    const key = match[1] ?? '';
    const value = match[2] ?? '';
    const earlier = seen.get(key);
    if (earlier !== undefined)
      sink.warning(lineNo, `key '${key}' repeats line ${String(earlier)}: the last one counts`);
    seen.set(key, lineNo);
    if (!KNOWN_KEYS.has(key)) {
      sink.warning(lineNo, `key '${key}' is not in Proxmox VE's schema: Proxmox ignores it; kept`);
      return;
    }
    if (AUTH_KEYS.has(key)) values.set(key as AuthKey, { value, line: lineNo });
  });

  let config: { -readonly [K in keyof DatacenterConfig]: DatacenterConfig[K] } = { text };
  for (const [key, { value, line }] of values) {
    // Proxmox skips a key whose value is empty (`webauthn:`), as if it were absent.
    if (value === '') {
      sink.warning(line, `key '${key}' is empty: ignored, as Proxmox does`);
      continue;
    }
    try {
      config = {
        ...config,
        ...readSetting(key, value, (m) => {
          sink.warning(line, `${key}: ${m}`);
        }),
      };
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      sink.error(line, `${key}: ${err.message}; the setting is not used`);
    }
  }
  return { value: config, diagnostics: sink.diagnostics };
}

/** The file as Proxmox gets it back: the text that was read. */
export function serializeDatacenterCfg(config: DatacenterConfig): string {
  return config.text;
}

function readSetting(
  key: AuthKey,
  value: string,
  warn: (message: string) => void,
): Partial<DatacenterConfig> {
  switch (key) {
    case 'webauthn':
      return { webauthn: webauthnSetting(value, warn) };
    case 'u2f':
      return { u2f: u2fSetting(value, warn) };
    case 'http_proxy':
      return { httpProxy: proxySetting(value) };
    case 'consent-text':
      return { consentText: consentSetting(value) };
  }
}

/**
 * A property string as Proxmox's parse_property_string reads it: `k=v` parts separated by
 * commas, empty parts skipped; a key outside the format, a repeated key or a part without
 * `=` makes the whole value invalid.
 */
function propertyString(value: string, keys: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of value.split(',')) {
    if (/^\s*$/.test(part)) continue;
    const match = /^([^=]+)=(.+)$/.exec(part);
    if (!match) {
      throw new Invalid(
        part.includes('=')
          ? `'${part}' has no value`
          : `'${part}' has no key (expected one of ${keys.join(', ')})`,
      );
    }
    const k = match[1] ?? '';
    if (!keys.includes(k))
      throw new Invalid(`unknown key '${k}' (expected one of ${keys.join(', ')})`);
    if (out.has(k)) throw new Invalid(`duplicate key '${k}'`);
    out.set(k, match[2] ?? '');
  }
  return out;
}

/** Proxmox's parse_boolean. */
function booleanValue(key: string, value: string): boolean {
  if (/^(1|on|yes|true)$/i.test(value)) return true;
  if (/^(0|off|no|false)$/i.test(value)) return false;
  throw new Invalid(
    `'${key}' must be a boolean (1, 0, yes, no, on, off, true, false), not '${value}'`,
  );
}

const DOMAIN =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/**
 * A web origin: `https://host[:port]`, or plain HTTP on localhost (browsers offer WebAuthn
 * nowhere else), with nothing after the host and port.
 */
function originValue(key: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Invalid(
      `'${key}' must be a URL such as https://pve.example.com:8006, not '${value}'`,
    );
  }
  const localhost = url.hostname === 'localhost' || url.hostname.endsWith('.localhost');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && localhost))
    throw new Invalid(`'${key}' must be an https:// URL (or http://localhost), not '${value}'`);
  if (
    url.username !== '' ||
    url.password !== '' ||
    url.search !== '' ||
    url.hash !== '' ||
    !/^[a-z]+:\/\/[^/]+\/?$/i.test(value)
  )
    throw new Invalid(`'${key}' must be an origin without path, query or user, not '${value}'`);
  return url;
}

function webauthnSetting(value: string, warn: (message: string) => void): WebauthnConfig {
  const parts = propertyString(value, ['rp', 'origin', 'id', 'allow-subdomains']);
  const rp = parts.get('rp');
  const origin = parts.get('origin');
  const id = parts.get('id');
  const subdomains = parts.get('allow-subdomains');
  const url = origin !== undefined ? originValue('origin', origin) : undefined;
  if (id !== undefined) {
    // Why: the browser refuses a relying party id that is not the page's host or a parent.
    if (!DOMAIN.test(id) || /^[0-9.]+$/.test(id))
      throw new Invalid(`'id' must be a domain name without protocol, port or path, not '${id}'`);
    const host = url?.hostname;
    if (host !== undefined && host !== id && !host.endsWith(`.${id}`))
      throw new Invalid(
        `'id' '${id}' is neither the host of origin ${origin ?? ''} nor a parent domain of it`,
      );
  }
  if (rp === undefined || id === undefined)
    warn(
      `without ${rp === undefined ? "'rp'" : ''}${rp === undefined && id === undefined ? ' and ' : ''}` +
        `${id === undefined ? "'id'" : ''} Proxmox offers no WebAuthn; Tessera takes ` +
        "the missing parts from the origin's host name",
    );
  return {
    ...(rp !== undefined ? { rp } : {}),
    ...(url !== undefined ? { origin: url.origin } : {}),
    ...(id !== undefined ? { id } : {}),
    ...(subdomains !== undefined
      ? { allowSubdomains: booleanValue('allow-subdomains', subdomains) }
      : {}),
  };
}

function u2fSetting(value: string, warn: (message: string) => void): U2fConfig {
  const parts = propertyString(value, ['appid', 'origin']);
  const appid = parts.get('appid');
  const origin = parts.get('origin');
  if (appid !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(appid);
    } catch {
      url = undefined;
    }
    if (url?.protocol !== 'https:' && url?.protocol !== 'http:')
      throw new Invalid(
        `'appid' must be a URL such as https://pve.example.com:8006, not '${appid}'`,
      );
  } else {
    warn("without 'appid' Proxmox cannot check U2F answers");
  }
  if (origin !== undefined) originValue('origin', origin);
  return {
    ...(appid !== undefined ? { appid } : {}),
    ...(origin !== undefined ? { origin } : {}),
  };
}

function proxySetting(value: string): string {
  // The value may hold a password: the messages never repeat it.
  if (!value.startsWith('http://'))
    throw new Invalid(
      'must be an http:// URL such as http://user:password@proxy.example.com:3128/',
    );
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Invalid('is not a URL (expected http://[user:password@]host[:port]/)');
  }
  if (url.hostname === '') throw new Invalid('names no host');
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '')
    throw new Invalid('must name only the proxy (http://[user:password@]host[:port]/), no path');
  return value;
}

function consentSetting(value: string): string {
  if (value.length > CONSENT_TEXT_MAX)
    throw new Invalid(
      `is ${String(value.length)} characters long, more than the ${String(CONSENT_TEXT_MAX)} Proxmox allows`,
    );
  if (decodeConsentText(value) === undefined)
    throw new Invalid(
      "is not base64-encoded UTF-8 text (Proxmox's web interface stores it so; encode it with `base64 -w0`)",
    );
  return value;
}
