/**
 * `priv/token.cfg`: API token secrets, one `<tokenid> <secret>` line per token. Proxmox keeps
 * the secrets in plain text here; Tessera reads them for import and writes them for export.
 */
import { compareCodePoints } from '../model/compare.js';
import { asTokenId, show, listSeparatorError, type TokenId } from '../model/ids.js';
import { DiagnosticSink, type Parsed } from './diagnostics.js';
import { assertWritable } from './guard.js';

/** Token id -> secret. */
export type TokenSecrets = ReadonlyMap<TokenId, string>;

const LINE = /^(\S+) (\S+)$/;

export function parseTokenCfg(text: string, file = 'priv/token.cfg'): Parsed<TokenSecrets> {
  const sink = new DiagnosticSink(file);
  const secrets = new Map<TokenId, string>();
  text.split('\n').forEach((line, index) => {
    if (/^\s*$/.test(line)) return;
    const match = LINE.exec(line);
    const tokenid = match ? asTokenId(match[1] ?? '') : undefined;
    if (!match || tokenid === undefined) {
      const id = match?.[1] ?? '';
      const separator = listSeparatorError(id.slice(0, id.lastIndexOf('!')));
      sink.error(
        index + 1,
        separator === undefined
          ? 'skipping invalid token.cfg entry'
          : `skipping invalid token.cfg entry '${show(id)}' - ${separator}`,
      );
      return;
    }
    secrets.set(tokenid, match[2] ?? '');
  });
  return { value: secrets, diagnostics: sink.diagnostics };
}

/** Writes token.cfg as Proxmox does: sorted by token id. */
export function serializeTokenCfg(secrets: TokenSecrets): string {
  let out = '';
  for (const tokenid of [...secrets.keys()].sort(compareCodePoints)) {
    const secret = secrets.get(tokenid) ?? '';
    out += `${assertWritable(tokenid, 'tokenid', { space: false })} ${assertWritable(secret, 'value', { space: false })}\n`;
  }
  return out;
}
