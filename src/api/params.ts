/**
 * Request parameters as Proxmox reads them: query string, form or JSON body and path
 * placeholders merged into one map, checked against the method's schema with its messages
 * (`property is missing and it is not optional`, `type check ('boolean') failed - got 'x'`).
 * Unknown parameters are refused, as with Proxmox's `additionalProperties: 0`.
 */
import { parseBoolean } from '../formats/schema.js';
import { codePointLength } from '../model/text.js';
import { isTesseraError, parameterError } from '../errors.js';

/** What help shows of a parameter; the checks ignore it. */
export interface ParamDoc {
  readonly description?: string;
  /** The value's form in help, as Proxmox's `typetext` (`<string>`, `[0-9a-zA-Z!=]{0,4096}`). */
  readonly typetext?: string;
  /** The value when the parameter is left out, as help shows it. */
  readonly default?: string | number;
  /**
   * A comma-separated list (Proxmox's `-list` formats): on the command line the parameter
   * may repeat, `--groups a --groups b` meaning `a,b`.
   */
  readonly list?: boolean;
}

export type ParamSpec = ParamDoc &
  (
    | {
        readonly type: 'string';
        readonly optional?: boolean;
        readonly minLength?: number;
        readonly maxLength?: number;
      }
    | { readonly type: 'boolean'; readonly optional?: boolean }
    | { readonly type: 'integer'; readonly optional?: boolean; readonly minimum?: number }
  );

export type Schema = Readonly<Record<string, ParamSpec>>;

type ValueOf<S extends ParamSpec> = S['type'] extends 'string'
  ? string
  : S['type'] extends 'boolean'
    ? boolean
    : number;

export type Params<S extends Schema> = {
  readonly [K in keyof S]: S[K]['optional'] extends true
    ? ValueOf<S[K]> | undefined
    : ValueOf<S[K]>;
};

/** Merges the sources; the same name with two different values is an error. */
export function mergeParams(
  ...sources: readonly (Readonly<Record<string, unknown>> | undefined)[]
): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  let errors: Record<string, string> | undefined;
  for (const source of sources) {
    if (source === undefined) continue;
    for (const name of Object.keys(source)) {
      const value = source[name];
      if (name in merged && String(merged[name]) !== String(value))
        (errors ??= {})[name] = 'duplicate parameter (not unique)';
      merged[name] = value;
    }
  }
  if (errors !== undefined) throw parameterError(errors);
  return merged;
}

function checkOne(spec: ParamSpec, value: unknown): { value?: unknown; error?: string } {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  switch (spec.type) {
    case 'boolean': {
      if (typeof value === 'boolean') return { value };
      const flag = parseBoolean(text);
      return flag === undefined
        ? { error: `type check ('boolean') failed - got '${text}'` }
        : { value: flag };
    }
    case 'integer': {
      const number =
        typeof value === 'number' ? value : /^[+-]?\d+$/.test(text) ? Number(text) : NaN;
      if (!Number.isSafeInteger(number))
        return { error: `type check ('integer') failed - got '${text}'` };
      if (spec.minimum !== undefined && number < spec.minimum)
        return { error: `value must have a minimum value of ${String(spec.minimum)}` };
      return { value: number };
    }
    case 'string': {
      if (typeof value !== 'string' && typeof value !== 'number')
        return { error: `type check ('string') failed - got '${text}'` };
      const string = String(value);
      const length = codePointLength(string);
      if (spec.minLength !== undefined && length < spec.minLength)
        return { error: `value must be at least ${String(spec.minLength)} characters long` };
      if (spec.maxLength !== undefined && length > spec.maxLength)
        return { error: `value may only be ${String(spec.maxLength)} characters long` };
      return { value: string };
    }
  }
}

/**
 * The checker of one method's parameters, made once when the method is registered: every
 * request passes here, so the schema is not walked as an object per request, and the error
 * map is only made for a request that has errors.
 */
export function paramChecker<S extends Schema>(
  schema: S,
): (raw: Readonly<Record<string, unknown>>) => Params<S> {
  const specs = Object.entries(schema);
  const known = new Set(Object.keys(schema));
  return (raw) => {
    const out: Record<string, unknown> = {};
    let errors: Record<string, string> | undefined;
    for (const [name, spec] of specs) {
      const value = raw[name];
      if (value === undefined || value === null) {
        if (spec.optional !== true)
          (errors ??= {})[name] = 'property is missing and it is not optional';
        continue;
      }
      // Most parameters are strings without length limits: nothing to check, nothing to make.
      if (
        spec.type === 'string' &&
        typeof value === 'string' &&
        spec.minLength === undefined &&
        spec.maxLength === undefined
      ) {
        out[name] = value;
        continue;
      }
      const checked = checkOne(spec, value);
      if (checked.error !== undefined) (errors ??= {})[name] = checked.error;
      else out[name] = checked.value;
    }
    for (const name of Object.keys(raw)) {
      if (!known.has(name))
        (errors ??= {})[name] =
          'property is not defined in schema and the schema does not allow additional properties';
    }
    if (errors !== undefined) throw parameterError(errors);
    return out as Params<S>;
  };
}

/**
 * Parses a path or body value the service needs in model form. Proxmox's methods check
 * permissions before they look at some values, so when the value is invalid, a refusal by
 * `authorize` comes first and the parameter error only after it.
 */
export function parseChecked<T>(parse: () => T, authorize: () => void): T {
  try {
    return parse();
  } catch (err) {
    authorize();
    throw err;
  }
}

/**
 * Parses an id whose Proxmox schema names a format (`pve-groupid`, `pve-roleid`,
 * `pve-realm`): a refusal reads as that format's, `invalid format - <reason>` and the
 * reason's own line end, under the parameter's name.
 */
export function formatChecked<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (isTesseraError(err) && err.code === 'invalid_value' && err.errors === undefined)
      throw parameterError({ [err.field ?? 'value']: `invalid format - ${err.detail}\n` });
    throw err;
  }
}
