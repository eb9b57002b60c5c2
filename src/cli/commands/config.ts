/**
 * `tessera config ...`: the Proxmox files as Tessera reads them.
 */
import { TesseraError } from '../../errors.js';
import { formatDiagnostic, hasErrors } from '../../formats/diagnostics.js';
import { exportFiles } from '../../services/transfer.js';
import { PVE_FILES, type PveFile } from '../../store/pve-dir.js';
import { arg, loadSnapshot, noMoreArgs, type CommandContext } from '../context.js';
import { printJson } from '../output.js';

function fileName(name: string): PveFile {
  const file = PVE_FILES.find((f) => f === name || f === `priv/${name}`);
  if (!file) {
    throw new TesseraError(
      'usage',
      `unknown file '${name}': expected one of ${PVE_FILES.join(', ')}`,
      { field: 'file' },
    );
  }
  return file;
}

/** `config show <file>`: the file as Proxmox would write it back. */
export async function configShow(ctx: CommandContext): Promise<number> {
  const file = fileName(arg(ctx, 0, 'file'));
  noMoreArgs(ctx, 1);
  const { files, warnings } = exportFiles(await loadSnapshot(ctx));
  const text = files.get(file) ?? '';
  for (const warning of warnings)
    if (warning.startsWith(`${file}:`)) ctx.io.err(`tessera: warning: ${warning}\n`);
  if (ctx.format === 'text') ctx.io.out(text);
  else printJson(ctx.io, ctx.format, { file, content: text });
  return 0;
}

/** `config check`: every error and warning with file:line; exit 1 when there is an error. */
export async function configCheck(ctx: CommandContext): Promise<number> {
  noMoreArgs(ctx, 0);
  const { diagnostics } = await loadSnapshot(ctx);
  const failed = hasErrors(diagnostics);
  if (ctx.format === 'text') {
    for (const d of diagnostics) ctx.io.out(formatDiagnostic(d) + '\n');
    const errors = diagnostics.filter((d) => d.severity === 'error').length;
    const warnings = diagnostics.length - errors;
    ctx.io.out(
      failed
        ? `configuration is invalid: ${errors} error(s), ${warnings} warning(s)\n`
        : `configuration is valid${warnings > 0 ? ` (${warnings} warning(s))` : ''}\n`,
    );
  } else {
    printJson(ctx.io, ctx.format, { valid: !failed, diagnostics });
  }
  return failed ? 1 : 0;
}
