/**
 * Checks of free-text and simple fields shared by the services, with Proxmox's limits and
 * messages. Each throws `invalid_value` naming the field.
 */
import { invalid } from '../errors.js';
import { codePointLength } from '../model/text.js';
import { rawFieldError, textFieldError } from '../model/user-config.js';

/** Free text (names, comments): percent-encoded in user.cfg, so only control characters matter. */
export function text(
  field: string,
  value: string | undefined,
  maxLength: number,
): string | undefined {
  if (value === undefined || value === '') return undefined;
  const problem = textFieldError(value);
  if (problem) throw invalid(field, problem);
  if (codePointLength(value) > maxLength)
    throw invalid(field, `value may only be ${String(maxLength)} characters long`);
  return value;
}

/** Fields written into user.cfg as they are: nothing that could end a field or a line. */
export function raw(
  field: string,
  value: string | undefined,
  maxLength: number,
): string | undefined {
  if (value === undefined || value === '') return undefined;
  const problem = rawFieldError(value);
  if (problem) throw invalid(field, problem);
  if (codePointLength(value) > maxLength)
    throw invalid(field, `value may only be ${String(maxLength)} characters long`);
  return value;
}

// Proxmox's EMAIL_RE.
const EMAIL = /^[\w+~-]+(\.[\w+~-]+)*@[a-zA-Z0-9-]+(\.[a-zA-Z0-9-]+)*$/;

export function email(value: string | undefined): string | undefined {
  const checked = raw('email', value, 254);
  if (checked !== undefined && !EMAIL.test(checked))
    throw invalid('email', 'invalid format - value does not look like a valid email address\n');
  return checked;
}

/** Unix time, 0 for never. */
export function expiry(field: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value < 0)
    throw invalid(field, 'value must have a minimum value of 0');
  return value;
}
