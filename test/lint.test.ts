/**
 * The code base passes the linter and the formatter: part of the suite, so CI enforces it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from './support/conformance.js';

function run(script: string, ...args: string[]): { status: number | null; output: string } {
  const result = spawnSync(
    process.execPath,
    [join(repoRoot, 'node_modules', ...script.split('/')), ...args],
    {
      cwd: repoRoot,
      encoding: 'utf8',
    },
  );
  return { status: result.status, output: result.stdout + result.stderr };
}

describe('code style', () => {
  it('eslint reports nothing', () => {
    const result = run('eslint/bin/eslint.js', '--max-warnings', '0', '.');
    assert.equal(result.status, 0, result.output);
  });
  it('prettier finds every file formatted', () => {
    const result = run('prettier/bin/prettier.cjs', '--check', '.');
    assert.equal(result.status, 0, result.output);
  });
});
