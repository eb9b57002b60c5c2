/**
 * `domains.cfg`: the realms, in Proxmox's SectionConfig format.
 *
 * ```
 * ldap: corp
 * 	base_dn ou=People,dc=corp,dc=local
 * 	server1 ldap1.corp.local
 * ```
 * A section is a `<type>: <realm>` header followed by indented `<key> <value>` lines and
 * ends at a blank line. Lines starting with `#` are skipped anywhere. A bad value drops
 * that key, a bad header drops the section; both with a diagnostic. Realms `pve` and `pam`
 * always exist. Writing reproduces Proxmox's writer: sections in file order, then the
 * comment, the required options and the other options, each group sorted.
 */
import { createHash } from 'node:crypto';
import { compareCodePoints } from '../model/compare.js';
import { realmIdError, type RealmId } from '../model/ids.js';
import {
  BUILTIN_REALM_COMMENTS,
  isRealmType,
  optionAllowed,
  REALM_OPTIONS,
  REALM_TYPE_OPTIONS,
  type DomainsConfig,
  type OptionValue,
  type RealmConfig,
  type RealmOptionName,
  type RealmType,
} from '../model/realm.js';
import { decodeText, encodeText, perlTruthy } from '../model/text.js';
import { textFieldError } from '../model/user-config.js';
import { DiagnosticSink, type Parsed } from './diagnostics.js';
import { assertWritable } from './guard.js';
import { checkValue, SchemaError } from './schema.js';

export interface ParsedDomains extends DomainsConfig {
  /** SHA-1 of the file text, the `digest` the API uses to detect concurrent changes. */
  readonly digest: string;
}

const HEADER = /^(\S+):\s*(\S+)\s*$/;
const PROPERTY = /^\s+(\S+)(\s+(.*\S))?\s*$/;

export function parseDomainsCfg(text: string, file = 'domains.cfg'): Parsed<ParsedDomains> {
  const sink = new DiagnosticSink(file);
  const realms = new Map<RealmId, RealmConfig>();
  const lines = text.split('\n');
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  let index = 0;
  // Comment lines are invisible everywhere: they neither end a section nor count as one.
  const next = (): string | undefined => {
    while (index < lines.length) {
      const line = lines[index++] ?? '';
      if (!/^\s*#/.test(line)) return line;
    }
    return undefined;
  };

  while (index < lines.length) {
    const line = next();
    if (!perlTruthy(line) || line === undefined) continue;
    const headerLine = index;
    const header = HEADER.exec(line);
    if (!header) {
      sink.error(headerLine, `ignore config line: ${line}`);
      continue;
    }
    const type = (header[1] ?? '').toLowerCase();
    const id = header[2] ?? '';
    let skip = true;
    const realmError = realmIdError(id);
    if (realmError !== undefined) {
      sink.error(headerLine, `(skip section '${id}'): ${realmError}`);
    } else if (!isRealmType(type)) {
      sink.error(headerLine, `(skip section '${id}'): unsupported type '${type}'`);
    } else {
      skip = false;
    }

    const options = new Map<RealmOptionName, OptionValue>();
    let lastLine = headerLine;
    for (let body = next(); perlTruthy(body) && body !== undefined; body = next()) {
      if (skip) continue;
      lastLine = index;
      const property = PROPERTY.exec(body);
      if (!property) {
        sink.error(index, `ignore config line: ${body}`, id);
        continue;
      }
      const key = property[1] ?? '';
      try {
        options.set(...parseOption(type as RealmType, key, property[3], options));
      } catch (err) {
        const message = err instanceof SchemaError ? err.text : String(err);
        sink.error(index, `unable to parse value of '${key}': ${message.trimEnd()}`, id);
      }
    }
    if (skip) continue;

    const realm = id as RealmId;
    const realmType = type as RealmType;
    const missing = REALM_TYPE_OPTIONS[realmType].required.find((k) => !options.has(k));
    if (missing !== undefined) {
      sink.error(
        lastLine,
        `(skip section '${id}'): missing value for required option '${missing}'`,
      );
      continue;
    }
    if (realms.delete(realm))
      sink.warning(headerLine, `realm '${id}' is defined again; the later section wins`);
    realms.set(realm, { realm, type: realmType, options });
  }

  // Only one realm may be the default; Proxmox keeps an arbitrary one, Tessera the first.
  let defaultRealm: RealmId | undefined;
  for (const config of realms.values()) {
    if (config.options.get('default') !== true) continue;
    if (defaultRealm === undefined) defaultRealm = config.realm;
    else {
      (config.options as Map<RealmOptionName, OptionValue>).delete('default');
      sink.warning(
        0,
        `realm '${config.realm}' is marked default, but '${defaultRealm}' already is; ignoring it`,
      );
    }
  }

  for (const builtin of ['pve', 'pam'] as const) ensureBuiltinRealm(realms, builtin, sink);

  return {
    value: { realms, digest: createHash('sha1').update(text, 'utf8').digest('hex') },
    diagnostics: sink.diagnostics,
  };
}

function parseOption(
  type: RealmType,
  key: string,
  raw: string | undefined,
  seen: ReadonlyMap<string, OptionValue>,
): [RealmOptionName, OptionValue] {
  if (!Object.hasOwn(REALM_OPTIONS, key)) throw new SchemaError('unknown property type\n');
  if (seen.has(key)) throw new SchemaError('duplicate attribute\n');
  if (!optionAllowed(type, key)) throw new SchemaError(`unexpected property '${key}'\n`);
  const schema = REALM_OPTIONS[key];
  // A boolean key without a value means "on".
  const text = raw ?? (schema.type === 'boolean' ? '1' : undefined);
  if (text === undefined) throw new SchemaError('got undefined value\n');
  let value: OptionValue;
  try {
    value = checkValue(schema, text);
  } catch (err) {
    throw err instanceof SchemaError ? new SchemaError(`${err.text}\n`) : err;
  }
  if (key === 'comment' && typeof value === 'string') {
    const comment = decodeText(value).trim();
    const error = textFieldError(comment);
    if (error !== undefined) throw new SchemaError(`${error}\n`);
    return [key, comment];
  }
  return [key, value];
}

function ensureBuiltinRealm(
  realms: Map<RealmId, RealmConfig>,
  id: 'pve' | 'pam',
  sink: DiagnosticSink,
): void {
  const realm = id as RealmId;
  const existing = realms.get(realm);
  const options = new Map<RealmOptionName, OptionValue>();
  if (existing) {
    if (existing.type !== id) {
      sink.error(
        0,
        `realm '${id}' must have type '${id}', not '${existing.type}'; only its common options are kept`,
      );
    }
    for (const [k, v] of existing.options) if (optionAllowed(id, k)) options.set(k, v);
  }
  const comment = options.get('comment');
  if (typeof comment !== 'string' || !perlTruthy(comment))
    options.set('comment', BUILTIN_REALM_COMMENTS[id]);
  realms.set(realm, { realm, type: id, options: reorder(options) });
}

/** Puts `comment` first, as a fresh parse would; Map order is otherwise irrelevant. */
function reorder(options: Map<RealmOptionName, OptionValue>): Map<RealmOptionName, OptionValue> {
  const comment = options.get('comment');
  if (comment === undefined) return options;
  return new Map([['comment', comment], ...[...options].filter(([k]) => k !== 'comment')]);
}

function formatValue(name: RealmOptionName, value: OptionValue): string {
  if (REALM_OPTIONS[name].type === 'boolean') return value === true || value === 1 ? '1' : '0';
  return String(value);
}

/** Writes domains.cfg exactly as Proxmox does. */
export function serializeDomainsCfg(config: DomainsConfig): string {
  let out = '';
  for (const realm of config.realms.values()) {
    out += `${realm.type}: ${assertWritable(realm.realm, 'realm', { space: false, colon: false })}\n`;
    const comment = realm.options.get('comment');
    if (typeof comment === 'string' && perlTruthy(comment))
      out += `\tcomment ${encodeText(comment)}\n`;
    const { required, optional } = REALM_TYPE_OPTIONS[realm.type];
    const line = (name: RealmOptionName): void => {
      const value = realm.options.get(name);
      if (value === undefined) return;
      const text = assertWritable(formatValue(name, value), name);
      if (text !== '') out += `\t${name} ${text}\n`;
    };
    for (const name of [...required].sort(compareCodePoints)) line(name);
    for (const name of [...optional].sort(compareCodePoints)) if (name !== 'comment') line(name);
    out += '\n';
  }
  return out;
}

/** The realm marked `default`, if any. */
export function defaultRealm(config: DomainsConfig): RealmId | undefined {
  for (const realm of config.realms.values())
    if (realm.options.get('default') === true) return realm.realm;
  return undefined;
}
