/**
 * A realm's `tfa` option (Proxmox's `pve-tfa-config` property string) as the form's choice:
 * none, OATH (TOTP, with `step` and `digits`) or Yubico (`id`, `key`, `url`). Written back as
 * Proxmox's own interface writes it: `type` first, then the type's settings in its order
 * (`type=oath,step=30,digits=6`, `type=yubico,id=1,key=k,url=...`), empty ones left out.
 * A value the form cannot show (unknown keys, quoting, another type's settings, values out of
 * range) is kept as it is: `kept` holds it and the reason.
 */

export type TfaMode = 'none' | 'oath' | 'yubico' | 'keep';

export interface TfaChoice {
  readonly mode: TfaMode;
  readonly step: string;
  readonly digits: string;
  readonly id: string;
  readonly key: string;
  readonly url: string;
}

export interface ParsedTfa {
  readonly choice: TfaChoice;
  /** The stored value the form cannot represent, and why: shown and kept unless replaced. */
  readonly kept?: { readonly value: string; readonly reason: string };
}

const BLANK: TfaChoice = { mode: 'none', step: '', digits: '', id: '', key: '', url: '' };

/** Each type's settings, in the order Proxmox's interface writes them. */
const SETTINGS = { oath: ['step', 'digits'], yubico: ['id', 'key', 'url'] } as const;

/** The field name of a setting's input and error: `tfa-step`. */
export function tfaField(setting: keyof TfaChoice): string {
  return `tfa-${setting}`;
}

function keep(value: string, reason: string): ParsedTfa {
  return { choice: { ...BLANK, mode: 'keep' }, kept: { value, reason } };
}

/** The stored option as the form's choice. */
export function parseTfa(stored: string): ParsedTfa {
  const value = stored.trim();
  if (value === '') return { choice: BLANK };
  if (value.includes('"')) return keep(stored, 'it uses quoting');
  const pairs = new Map<string, string>();
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return keep(stored, `'${part}' is not a key=value setting`);
    const name = part.slice(0, eq).trim();
    if (pairs.has(name)) return keep(stored, `'${name}' is given twice`);
    pairs.set(name, part.slice(eq + 1).trim());
  }
  const type = pairs.get('type');
  if (type !== 'oath' && type !== 'yubico')
    return keep(stored, `the type '${type ?? ''}' is neither oath nor yubico`);
  const allowed: readonly string[] = ['type', ...SETTINGS[type]];
  const foreign = [...pairs.keys()].filter((name) => !allowed.includes(name));
  if (foreign.length > 0)
    return keep(stored, `'${foreign.join("', '")}' does not belong to type ${type}`);
  const choice: TfaChoice = {
    ...BLANK,
    mode: type,
    ...Object.fromEntries(SETTINGS[type].map((name) => [name, pairs.get(name) ?? ''])),
  };
  const problems = Object.values(tfaErrors(choice));
  if (problems.length > 0) return keep(stored, problems.join('; '));
  return { choice };
}

function integerError(text: string, min: number, max?: number): string | undefined {
  if (text === '') return undefined;
  const range = max === undefined ? `at least ${String(min)}` : `${String(min)} to ${String(max)}`;
  if (!/^\d+$/.test(text)) return `expected a whole number ${range}, got '${text}'`;
  const n = Number(text);
  if (n < min || (max !== undefined && n > max)) return `expected ${range}, got ${text}`;
  return undefined;
}

function textError(text: string, required: boolean): string | undefined {
  if (required && text === '') return 'required for Yubico';
  // Why: a comma would start the next setting of the property string.
  if (text.includes(',')) return "must not contain ','";
  if (text.includes('"')) return "must not contain '\"'";
  return undefined;
}

/** The choice's errors by field name (`tfa-step`); empty when it can be written. */
export function tfaErrors(choice: TfaChoice): Record<string, string> {
  const errors: Record<string, string | undefined> = {};
  if (choice.mode === 'oath') {
    errors[tfaField('step')] = integerError(choice.step.trim(), 10);
    errors[tfaField('digits')] = integerError(choice.digits.trim(), 6, 8);
  } else if (choice.mode === 'yubico') {
    errors[tfaField('id')] = textError(choice.id.trim(), true);
    errors[tfaField('key')] = textError(choice.key.trim(), true);
    errors[tfaField('url')] = textError(choice.url.trim(), false);
  }
  return Object.fromEntries(
    Object.entries(errors).filter((e): e is [string, string] => e[1] !== undefined),
  );
}

/** The option to store for the choice (`''`: none); `kept` is written back unchanged. */
export function formatTfa(choice: TfaChoice, kept: string | undefined): string {
  if (choice.mode === 'none') return '';
  if (choice.mode === 'keep') return kept ?? '';
  const parts = [`type=${choice.mode}`];
  for (const name of SETTINGS[choice.mode]) {
    const value = choice[name].trim();
    if (value !== '') parts.push(`${name}=${value}`);
  }
  return parts.join(',');
}

/** Whether two choices write the same settings (the hidden settings of other types aside). */
export function sameChoice(a: TfaChoice, b: TfaChoice): boolean {
  if (a.mode !== b.mode) return false;
  if (a.mode === 'none' || a.mode === 'keep') return true;
  return SETTINGS[a.mode].every((name) => a[name].trim() === b[name].trim());
}
