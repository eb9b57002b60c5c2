/**
 * Runs the command line in-process and captures what it prints.
 */
import { main } from '../../src/cli/main.js';

export interface CliResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runCli(...argv: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  // A UTF-8 terminal whatever the locale of the test run, so that tables have box borders.
  const status = await main(argv, {
    out: (t) => (stdout += t),
    err: (t) => (stderr += t),
    terminal: { utf8: true },
  });
  return { status, stdout, stderr };
}
