/**
 * `tessera audit`: the hardening checklist (diagnostics/audit.ts) over the configuration
 * and the HTTPS certificate, as a list for people or JSON for monitoring. The exit status
 * says whether anything medium or worse was found, so a cron job or CI step can alert on it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  auditConfiguration,
  hasSeriousFindings,
  inspectCertificate,
  SEVERITIES,
  type CertificateFacts,
  type Finding,
} from '../../diagnostics/audit.js';
import { invalid } from '../../errors.js';
import { dataDirectory, liveProxmoxDir } from '../../store/open.js';
import { loadSnapshot, noMoreArgs, stringOption, type CommandContext } from '../context.js';
import { printJson } from '../output.js';

/**
 * The certificate `--cert` names or, without it, the one `tessera serve` generated in the
 * data directory (api/tls.ts), if there is one.
 */
function certificate(ctx: CommandContext): CertificateFacts | undefined {
  const given = stringOption(ctx, 'cert');
  const file = given ?? join(dataDirectory(), 'tessera.crt');
  if (given === undefined && !existsSync(file)) return undefined;
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch (err) {
    throw invalid('cert', `cannot read '${file}': ${err instanceof Error ? err.message : ''}`);
  }
  try {
    return inspectCertificate(data);
  } catch (err) {
    throw invalid(
      'cert',
      `'${file}': expected a PEM or DER certificate (${err instanceof Error ? err.message : 'unreadable'})`,
    );
  }
}

// Names and subjects come from configuration files; keep terminals safe.
const clean = (s: string): string => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?'); // eslint-disable-line no-control-regex

function render(findings: readonly Finding[]): string {
  if (findings.length === 0) return 'no findings\n';
  const width = Math.max(...SEVERITIES.map((s) => s.length)) + 2;
  const blocks = findings.map((f) =>
    [
      `${`[${f.severity}]`.padEnd(width)} ${f.id}: ${f.title}`,
      `${' '.repeat(width)} objects: ${clean(f.objects.join(', '))}`,
      `${' '.repeat(width)} ${clean(f.detail)}`,
      `${' '.repeat(width)} fix: ${f.fix}`,
    ].join('\n'),
  );
  const counts = SEVERITIES.map(
    (s) => `${String(findings.filter((f) => f.severity === s).length)} ${s}`,
  );
  return `${blocks.join('\n\n')}\n\n${String(findings.length)} finding(s): ${counts.join(', ')}\n`;
}

/** `audit [--cert <file>]`: exit 0 when nothing is medium or worse, 1 otherwise. */
export async function auditCommand(ctx: CommandContext): Promise<number> {
  noMoreArgs(ctx, 0);
  const cert = certificate(ctx);
  const snapshot = await loadSnapshot(ctx);
  const live = liveProxmoxDir(ctx.storeUrl);
  const findings = auditConfiguration(snapshot, {
    now: Math.floor(Date.now() / 1000),
    ...(cert !== undefined ? { certificate: cert } : {}),
    ...(live !== undefined ? { liveProxmoxDir: live } : {}),
  });
  if (ctx.format === 'text') ctx.io.out(render(findings));
  else printJson(ctx.io, ctx.format, findings);
  return hasSeriousFindings(findings) ? 1 : 0;
}
