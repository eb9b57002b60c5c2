/** What a pveum command prints when it fails, in pveum's words. */
import { isTesseraError, TesseraError } from '../../errors.js';
import { UsageError } from './getopt.js';

/** A failure a remote node answered: its status and message, as it sent them. */
export class RemoteFailure extends TesseraError {}

/**
 * pveum prints the exception: `400 Parameter verification failed.` with one line per refused
 * parameter, sorted (Perl's order is random), and the command's usage after a refused
 * command line; a method's own refusal as Proxmox words it.
 */
export function failureText(err: unknown, usage: string): string {
  if (err instanceof UsageError) return `${err.warning ?? ''}400 ${err.detail}${usage}`;
  if (!isTesseraError(err)) return `${err instanceof Error ? err.message : String(err)}\n`;
  if (err.code === 'invalid_value' || err.errors !== undefined) {
    const errors = err.errors ?? { [err.field ?? 'value']: err.detail };
    const lines = Object.keys(errors)
      .sort()
      .map((name) => `${name}: ${errors[name] ?? ''}\n`)
      .join('');
    return `400 Parameter verification failed.\n${lines}${usage}`;
  }
  // Others name their cause in full, for the node's administrator.
  const text =
    err instanceof RemoteFailure
      ? err.detail
      : err.code === 'rejected'
        ? err.publicMessage
        : `${String(err.status)} ${err.detail}`;
  return text.endsWith('\n') ? text : `${text}\n`;
}
