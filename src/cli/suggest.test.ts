import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { editDistance } from './suggest.js';

describe('edit distance', () => {
  it('counts insertions, deletions, replacements and swaps of neighbours as one edit each', () => {
    assert.equal(editDistance('user', 'user'), 0);
    assert.equal(editDistance('usr', 'user'), 1);
    assert.equal(editDistance('uesr', 'user'), 1);
    assert.equal(editDistance('lst', 'list'), 1);
    assert.equal(editDistance('explian', 'explain'), 1);
    assert.equal(editDistance('', 'acl'), 3);
    assert.equal(editDistance('kitten', 'sitting'), 3);
  });
});
