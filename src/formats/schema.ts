/**
 * Value checks for realm options and property strings, with Proxmox's JSONSchema messages
 * (`value does not match the regex pattern`, `type check ('integer') failed - got 'x'`, ...),
 * because those messages are part of the API's answers and of the file diagnostics.
 */
import { isIP } from 'node:net';
import type { OptionFormat, OptionSchema, OptionValue } from '../model/realm.js';
import { codePointLength, hasControlCharacter, splitList } from '../model/text.js';

export class SchemaError extends Error {
  /** Per-key messages of a property string, as Proxmox lists them. */
  readonly errors: Readonly<Record<string, string>> | undefined;

  constructor(message: string, errors?: Record<string, string>) {
    super(message);
    this.name = 'SchemaError';
    this.errors = errors;
  }

  /** The text Proxmox prints: the message, then `key: message` lines. */
  get text(): string {
    if (!this.errors) return this.message;
    return (
      this.message +
      Object.keys(this.errors)
        .sort()
        .map((k) => `${k}: ${this.errors?.[k] ?? ''}\n`)
        .join('')
    );
  }
}

/** Proxmox's `parse_boolean`: 1/on/yes/true and 0/off/no/false, any case. */
export function parseBoolean(value: string): boolean | undefined {
  if (/^(?:1|on|yes|true)$/i.test(value)) return true;
  if (/^(?:0|off|no|false)$/i.test(value)) return false;
  return undefined;
}

const INTEGER = /^[+-]?[0-9]+$/;

/**
 * Checks a raw text value against a schema and converts it (booleans from `0`/`1`, integers
 * from decimal text). Throws a {@link SchemaError} with Proxmox's message.
 */
export function checkValue(schema: OptionSchema, raw: string): OptionValue {
  switch (schema.type) {
    case 'boolean':
      // The file stores booleans as 0 or 1; other spellings are not accepted there.
      if (raw === '1') return true;
      if (raw === '0') return false;
      throw new SchemaError(`type check ('boolean') failed - got '${raw}'`);
    case 'integer': {
      if (!INTEGER.test(raw)) throw new SchemaError(`type check ('integer') failed - got '${raw}'`);
      const value = Number(raw);
      if (!Number.isSafeInteger(value))
        throw new SchemaError(`type check ('integer') failed - got '${raw}'`);
      if (schema.maximum !== undefined && value > schema.maximum) {
        throw new SchemaError(`value must have a maximum value of ${schema.maximum}`);
      }
      if (schema.minimum !== undefined && value < schema.minimum) {
        throw new SchemaError(`value must have a minimum value of ${schema.minimum}`);
      }
      return value;
    }
    case 'string': {
      // A line break would end the line in domains.cfg and start a forged one.
      if (/[\n\r]/.test(raw)) throw new SchemaError('property contains a line feed');
      if (hasControlCharacter(raw)) throw new SchemaError('value contains control characters');
      if (schema.format !== undefined) {
        try {
          checkFormat(schema.format, raw);
        } catch (err) {
          const text = err instanceof SchemaError ? err.text : String(err);
          throw new SchemaError(`invalid format - ${text}`);
        }
      }
      if (schema.pattern !== undefined && !schema.pattern.test(raw)) {
        throw new SchemaError('value does not match the regex pattern');
      }
      if (schema.maxLength !== undefined && codePointLength(raw) > schema.maxLength) {
        throw new SchemaError(`value may only be ${schema.maxLength} characters long`);
      }
      if (schema.enum !== undefined && !schema.enum.includes(raw)) {
        throw new SchemaError(
          `value '${raw}' does not have a value in the enumeration '${schema.enum.join(', ')}'`,
        );
      }
      return raw;
    }
  }
}

// A DNS label starts with a letter, digit or `_` and does not end with `-`.
const DNS_NAME =
  /^(?:[a-zA-Z0-9_](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?\.)*[a-zA-Z0-9_](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$/;
const LDAP_SIMPLE_ATTR = /^[a-zA-Z0-9]+$/;

function checkFormat(format: OptionFormat, value: string): void {
  switch (format) {
    case 'address':
      if (!DNS_NAME.test(value) && isIP(value) === 0) {
        throw new SchemaError(`value does not look like a valid address: ${value}\n`);
      }
      return;
    case 'ldap-simple-attr':
      checkLdapAttr(value);
      return;
    case 'ldap-simple-attr-list':
      for (const item of splitList(value)) checkLdapAttr(item);
      return;
    case 'pve-tfa-config':
      parsePropertyString(TFA_FORMAT, value);
      return;
    case 'realm-sync-options':
      parsePropertyString(SYNC_OPTIONS_FORMAT, value);
      return;
  }
}

function checkLdapAttr(value: string): void {
  if (!LDAP_SIMPLE_ATTR.test(value)) {
    throw new SchemaError(`value '${value}' does not look like a simple ldap attribute name\n`);
  }
}

export type PropertyFormat = Readonly<
  Record<string, OptionSchema & { readonly optional?: boolean }>
>;

/** The `tfa` realm option: `type=oath|yubico` plus OATH or Yubico settings. */
export const TFA_FORMAT: PropertyFormat = {
  type: { type: 'string', enum: ['yubico', 'oath'], description: 'The type of second factor.' },
  id: { type: 'string', optional: true, description: 'Yubico API id.' },
  key: { type: 'string', optional: true, description: 'Yubico API key.' },
  url: { type: 'string', optional: true, description: 'Yubico API URL.' },
  digits: {
    type: 'integer',
    minimum: 6,
    maximum: 8,
    default: 6,
    optional: true,
    description: 'TOTP digits.',
  },
  step: {
    type: 'integer',
    minimum: 10,
    default: 30,
    optional: true,
    description: 'TOTP period in seconds.',
  },
};

/** The `sync-defaults-options` realm option. */
export const SYNC_OPTIONS_FORMAT: PropertyFormat = {
  scope: {
    type: 'string',
    enum: ['users', 'groups', 'both'],
    optional: true,
    description: 'What to sync.',
  },
  'remove-vanished': {
    type: 'string',
    pattern: /^(?:(?:(?:acl|properties|entry);)*(?:acl|properties|entry)|none)$/,
    default: 'none',
    optional: true,
    description: 'What to remove when it vanished from the directory.',
  },
  full: { type: 'boolean', optional: true, description: "Deprecated: use 'remove-vanished'." },
  'enable-new': {
    type: 'boolean',
    default: true,
    optional: true,
    description: 'Enable new users.',
  },
  purge: { type: 'boolean', optional: true, description: "Deprecated: use 'remove-vanished'." },
};

/**
 * Proxmox's `parse_property_string` for formats without a default key: `k=v` pairs split on
 * `,`. Unknown and missing keys are errors; booleans may be spelled yes/no, on/off, ...
 */
export function parsePropertyString(
  format: PropertyFormat,
  text: string,
): Record<string, OptionValue> {
  // Null-prototype records: a key such as `__proto__` is just an (unknown) key.
  const raw: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const part of text.split(',')) {
    if (/^\s*$/.test(part)) continue;
    const match = /^([^=]+)=(.+)$/.exec(part);
    if (!match) {
      if (!part.includes('='))
        throw new SchemaError('value without key, but schema does not define a default key\n');
      throw new SchemaError('missing key in comma-separated list property\n');
    }
    const key = match[1] ?? '';
    let value = match[2] ?? '';
    if (Object.hasOwn(raw, key))
      throw new SchemaError(`duplicate key in comma-separated list property: ${key}\n`);
    const schema = Object.hasOwn(format, key) ? format[key] : undefined;
    if (schema?.type === 'boolean') {
      const parsed = parseBoolean(value);
      if (parsed !== undefined) value = parsed ? '1' : '0';
    }
    raw[key] = value;
  }
  const errors: Record<string, string> = Object.create(null) as Record<string, string>;
  const result: Record<string, OptionValue> = Object.create(null) as Record<string, OptionValue>;
  for (const [key, schema] of Object.entries(format)) {
    const value = raw[key];
    if (value === undefined) {
      if (schema.optional !== true) errors[key] = 'property is missing and it is not optional';
      continue;
    }
    try {
      result[key] = checkValue(schema, value);
    } catch (err) {
      errors[key] = err instanceof SchemaError ? err.text.replace(/\n$/, '') : String(err);
    }
  }
  for (const key of Object.keys(raw)) {
    if (!Object.hasOwn(format, key)) {
      errors[key] =
        'property is not defined in schema and the schema does not allow additional properties';
    }
  }
  if (Object.keys(errors).length > 0) throw new SchemaError('format error\n', errors);
  return result;
}
