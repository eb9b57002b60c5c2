/**
 * The event fields and cause codes documented in docs/diagnostics.md are the ones the code
 * produces: every cause code has its row (with the same words), and no row names a code that
 * does not exist; every event field is documented.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ADVICE } from '../../src/diagnostics/advice.js';
import { repoRoot } from '../support/conformance.js';

const doc = readFileSync(join(repoRoot, 'docs', 'diagnostics.md'), 'utf8');

describe('docs/diagnostics.md', () => {
  it('lists every cause code with its words, and nothing else', () => {
    const section = doc.slice(doc.indexOf('## Cause codes'), doc.indexOf('## Node heartbeats'));
    const rows = new Map(
      [...section.matchAll(/^\| `([a-z_]+)` +\| (.*?) +\|$/gm)].map((m) => [
        m[1] ?? '',
        m[2] ?? '',
      ]),
    );
    assert.deepEqual([...rows.keys()].sort(), Object.keys(ADVICE).sort());
    for (const [code, advice] of Object.entries(ADVICE))
      assert.equal(rows.get(code)?.replaceAll('\\|', '|'), advice.words, code);
  });

  it('documents every field of an event', () => {
    const fields: (keyof import('../../src/model/events.js').AuthEvent)[] = [
      'time',
      'node',
      'kind',
      'outcome',
      'cause',
      'user',
      'realm',
      'rhost',
      'reason',
    ];
    for (const field of fields) assert.match(doc, new RegExp(`^\\| \`${field}\` +\\|`, 'm'), field);
  });
});
