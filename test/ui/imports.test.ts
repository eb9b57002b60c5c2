/**
 * The web interface's import graph, read from its sources: no cycles (type-only imports
 * count: they tie the modules together for a reader all the same), and nothing of the
 * server's `src/` but the pure vocabulary of `src/model/`, which has no I/O and keeps one
 * source of truth (the privilege list, say).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../support/conformance.js';

const uiSource = join(repoRoot, 'ui', 'src');
const model = join(repoRoot, 'src', 'model');

function sourcesIn(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourcesIn(path);
    return /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The files `file` imports by relative path (`./x.js` is x.ts or x.tsx), stylesheets aside. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [
    ...text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+'([^']+)'/gm),
    ...text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g),
  ].map((match) => match[1] ?? '');
  return specifiers
    .filter((specifier) => specifier.startsWith('.') && !specifier.endsWith('.css'))
    .map((specifier) => {
      const base = resolve(dirname(file), specifier).replace(/\.js$/, '');
      return [`${base}.ts`, `${base}.tsx`].find(isFile) ?? base;
    });
}

const graph = new Map(sourcesIn(uiSource).map((file) => [file, importsOf(file)]));
const name = (file: string): string => relative(repoRoot, file);

describe('web interface imports', () => {
  it('reads the sources', () => {
    assert.ok(graph.size > 20, `only ${String(graph.size)} files under ui/src`);
  });

  it('form no cycle', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const path: string[] = [];
    const visit = (file: string): void => {
      state.set(file, 'open');
      path.push(file);
      for (const next of graph.get(file) ?? []) {
        if (!graph.has(next)) continue;
        if (state.get(next) === 'open')
          cycles.push([...path.slice(path.indexOf(next)), next].map(name).join(' -> '));
        else if (!state.has(next)) visit(next);
      }
      path.pop();
      state.set(file, 'done');
    };
    for (const file of graph.keys()) if (!state.has(file)) visit(file);
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
