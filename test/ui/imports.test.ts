/**
 * The web interface's import graph, read from its sources: no cycles (type-only imports
 * count: they tie the modules together for a reader all the same), and nothing of the
 * server's `src/` but the pure vocabulary of `src/model/`, which has no I/O and keeps one
 * source of truth (the privilege list, say).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../support/conformance.js';
import { cyclesIn, importsOf, sourcesIn } from '../support/imports.js';

const uiSource = join(repoRoot, 'ui', 'src');
const model = join(repoRoot, 'src', 'model');

const graph = new Map(sourcesIn(uiSource).map((file) => [file, importsOf(file)]));
const name = (file: string): string => relative(repoRoot, file);

describe('web interface imports', () => {
  it('reads the sources', () => {
    assert.ok(graph.size > 20, `only ${String(graph.size)} files under ui/src`);
  });

  it('form no cycle', () => {
    const cycles = cyclesIn(graph, name);
    assert.deepEqual(cycles, []);
  });

  it('take nothing of the server but src/model/', () => {
    const outside = [...graph].flatMap(([file, imports]) =>
      imports
        .filter((target) => !target.startsWith(uiSource + '/') && !target.startsWith(model + '/'))
        .map((target) => `${name(file)} -> ${name(target)}`),
    );
    assert.deepEqual(outside, []);
  });

  it('take from src/model/ only modules without I/O: they import nothing but src/model/', () => {
    const seen = new Set<string>();
    const problems: string[] = [];
    const check = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+'([^']+)'/gm)) {
        const specifier = match[1] ?? '';
        if (!specifier.startsWith('.')) problems.push(`${name(file)} imports ${specifier}`);
      }
      for (const target of importsOf(file)) {
        if (target.startsWith(model + '/')) check(target);
        else problems.push(`${name(file)} imports ${name(target)}`);
      }
    };
    for (const target of [...graph.values()].flat())
      if (target.startsWith(model + '/')) check(target);
    assert.deepEqual(problems, []);
  });
});
