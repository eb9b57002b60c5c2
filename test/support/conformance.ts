/**
 * Access to the shared conformance data (`../shared/conformance/` next to the repository).
 * The data is read in place and never copied into the repository. A missing folder is a
 * test failure, not a skip.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (the compiled file lives in dist/test/support/). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export const conformanceRoot =
  process.env['TESSERA_CONFORMANCE_DIR'] ?? join(repoRoot, '..', 'shared', 'conformance');

export function conformancePath(...parts: string[]): string {
  return join(conformanceRoot, ...parts);
}

/** Parsed JSON; the caller states the shape it expects of the fixture. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the type is the caller's claim about the file
export function readConformanceJson<T>(...parts: string[]): T {
  return JSON.parse(readFileSync(conformancePath(...parts), 'utf8')) as T;
}

export function readConformanceText(...parts: string[]): string {
  return readFileSync(conformancePath(...parts), 'utf8');
}
