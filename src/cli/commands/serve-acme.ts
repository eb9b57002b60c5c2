/**
 * `serve`'s ACME options, checked into {@link AcmeSettings}: `--acme-domain` turns ACME on,
 * the others need it.
 */
import { TesseraError } from '../../errors.js';
import { LETS_ENCRYPT, type AcmeSettings } from '../../server/acme/renewer.js';
import { stringOption, type CommandContext } from '../context.js';

const OTHERS = ['acme-directory', 'acme-email', 'acme-http', 'acme-ca', 'acme-renew-days'];
// A DNS name of letters, digits and hyphens (no wildcard: HTTP-01 cannot validate one).
const DOMAIN =
  /^(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

function usage(field: string, message: string): TesseraError {
  return new TesseraError('usage', `--${field} ${message}`, { field });
}

function address(value: string, field: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:]+)\]|([^:]*)):(\d{1,5})$/.exec(value);
  const port = Number(match?.[3]);
  if (!match || port < 1 || port > 65_535)
    throw usage(field, `expects host:port (as in 0.0.0.0:80), not '${value}'`);
  return { host: match[1] ?? (match[2] === '' ? '0.0.0.0' : (match[2] ?? '0.0.0.0')), port };
}

/** `undefined` without `--acme-domain`. */
export function acmeOptions(ctx: CommandContext): AcmeSettings | undefined {
  const domains = stringOption(ctx, 'acme-domain');
  if (domains === undefined) {
    const stray = OTHERS.find((name) => stringOption(ctx, name) !== undefined);
    if (stray !== undefined) throw usage(stray, 'needs --acme-domain');
    return undefined;
  }
  if (stringOption(ctx, 'cert') !== undefined)
    throw usage('cert', 'and --acme-domain exclude each other: the certificate comes from one');
  if (ctx.options['http'] === true)
    throw usage('http', 'and --acme-domain exclude each other: ACME certificates are for HTTPS');
  const names = domains.split(',').map((name) => name.trim());
  if (names.length > 100)
    throw usage('acme-domain', `expects at most 100 names, not ${String(names.length)}`);
  for (const name of names)
    if (!DOMAIN.test(name))
      throw usage('acme-domain', `expects DNS names separated by commas, not '${name}'`);
  const directoryUrl = stringOption(ctx, 'acme-directory') ?? LETS_ENCRYPT;
  if (!/^https:\/\/[^\s/?#]+(\/\S*)?$/.test(directoryUrl))
    throw usage('acme-directory', `expects an https:// URL, not '${directoryUrl}'`);
  const email = stringOption(ctx, 'acme-email');
  if (email !== undefined && !/^[^\s@,]{1,64}@[^\s@,]{1,253}$/.test(email))
    throw usage('acme-email', `expects an e-mail address, not '${email}'`);
  const renewDays = stringOption(ctx, 'acme-renew-days');
  if (renewDays !== undefined && !/^[1-9]\d{0,5}$/.test(renewDays))
    throw usage('acme-renew-days', `expects a positive whole number of days, not '${renewDays}'`);
  return {
    domains: names,
    directoryUrl,
    email,
    http: address(stringOption(ctx, 'acme-http') ?? '0.0.0.0:80', 'acme-http'),
    caFile: stringOption(ctx, 'acme-ca'),
    renewBeforeMs: renewDays === undefined ? undefined : Number(renewDays) * 86_400_000,
  };
}
