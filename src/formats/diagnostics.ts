/**
 * What a parser reports about a file: every entry it skipped or doubts, with the file and
 * line. Proxmox's parsers never fail on a bad line; they warn and skip it. Tessera does the
 * same and tells the two kinds apart:
 * - `error`: something in the file was dropped or could not be understood;
 * - `warning`: the file is understood, but something in it deserves a look.
 */
export type Severity = 'error' | 'warning';

export interface Diagnostic {
  readonly file: string;
  /** 1-based line number; 0 when the problem concerns the whole file. */
  readonly line: number;
  readonly severity: Severity;
  /** The domains.cfg section (realm) the line belongs to, if any. */
  readonly section?: string;
  readonly message: string;
}

export interface Parsed<T> {
  readonly value: T;
  readonly diagnostics: readonly Diagnostic[];
}

/** `user.cfg:12: error: ignore invalid privilege 'VM.Foo'` */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line > 0 ? `${d.file}:${d.line}` : d.file;
  const section = d.section === undefined ? '' : ` (section '${d.section}')`;
  return `${where}: ${d.severity}${section}: ${d.message.trimEnd()}`;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Collects diagnostics for one file while it is parsed. */
export class DiagnosticSink {
  readonly diagnostics: Diagnostic[] = [];
  constructor(readonly file: string) {}

  error(line: number, message: string, section?: string): void {
    this.push('error', line, message, section);
  }

  warning(line: number, message: string, section?: string): void {
    this.push('warning', line, message, section);
  }

  private push(severity: Severity, line: number, message: string, section?: string): void {
    this.diagnostics.push(
      section === undefined
        ? { file: this.file, line, severity, message }
        : { file: this.file, line, severity, section, message },
    );
  }
}
