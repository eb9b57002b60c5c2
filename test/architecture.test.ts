/**
 * The layers of docs/architecture.md, read from the sources: every import of `src/` points
 * down the picture (or stays in its layer), and no module is part of an import cycle. A new
 * arrow upwards fails here, naming the file.
 */
import assert from 'node:assert/strict';
import { join, relative, sep } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from './support/conformance.js';
import { cyclesIn, importsOf, sourcesIn } from './support/imports.js';

/**
 * Bottom to top. A layer may import its own and the layers below it; the composition root
 * (`server`) wires the adapters together, and the command line starts it.
 */
const LAYERS = [
  ['errors'],
  ['model'],
  ['formats'],
  ['store', 'permissions'],
  ['auth', 'tfa'],
  ['realms'],
  ['services'],
  ['diagnostics'],
  ['api'],
  ['server'],
  ['cli'],
] as const;

const source = join(repoRoot, 'src');
const files = sourcesIn(source).filter((file) => !file.endsWith('.test.ts'));
const graph = new Map(files.map((file) => [file, importsOf(file)]));
const name = (file: string): string => relative(repoRoot, file);

function layerOf(file: string): string {
  const [first = ''] = relative(source, file).split(sep);
  return first.replace(/\.ts$/, '');
}

function rank(layer: string): number {
  return LAYERS.findIndex((names) => (names as readonly string[]).includes(layer));
}

describe('architecture', () => {
  it('places every file of src/ in a layer', () => {
    assert.ok(files.length > 100, `only ${String(files.length)} files under src/`);
    const unplaced = files.filter((file) => rank(layerOf(file)) < 0).map(name);
    assert.deepEqual(unplaced, []);
  });

  it('imports only downwards or within a layer', () => {
    const upwards = [...graph].flatMap(([file, imports]) =>
      imports
        .filter((target) => rank(layerOf(target)) > rank(layerOf(file)))
        .map((target) => `${name(file)} -> ${name(target)}`),
    );
    assert.deepEqual(upwards, []);
  });

  it('keeps layers of the same rank apart (store and permissions, auth and tfa)', () => {
    const sideways = [...graph].flatMap(([file, imports]) =>
      imports
        .filter((target) => {
          const [from, to] = [layerOf(file), layerOf(target)];
          return from !== to && rank(from) === rank(to);
        })
        .map((target) => `${name(file)} -> ${name(target)}`),
    );
    assert.deepEqual(sideways, []);
  });

  it('has no import cycle', () => {
    assert.deepEqual(cyclesIn(graph, name), []);
  });
});
