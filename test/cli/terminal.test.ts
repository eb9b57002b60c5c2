/**
 * How Tessera decides what pveum learns from its terminal: the width only on a terminal,
 * box-drawing borders only in a UTF-8 locale (LC_ALL, then LC_CTYPE, then LANG).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { queryTerminal } from '../../src/cli/format/terminal.js';

describe('terminal options', () => {
  it('cuts lines only when standard output is a terminal', () => {
    const env = { LANG: 'C.UTF-8' };
    assert.deepEqual(queryTerminal({ isTTY: true, columns: 80 }, env), { columns: 80, utf8: true });
    assert.deepEqual(queryTerminal({ isTTY: false, columns: 80 }, env), { utf8: true });
    assert.deepEqual(queryTerminal({}, env), { utf8: true });
  });

  it('takes the character set from the first locale variable that is set', () => {
    const utf8 = (env: Record<string, string>): boolean => queryTerminal({}, env).utf8;
    assert.equal(utf8({ LANG: 'en_US.UTF-8' }), true);
    assert.equal(utf8({ LANG: 'de_DE.utf8' }), true);
    assert.equal(utf8({ LANG: 'de_DE.utf8@euro' }), true);
    assert.equal(utf8({ LC_ALL: 'C', LANG: 'en_US.UTF-8' }), false);
    assert.equal(utf8({ LC_ALL: '', LC_CTYPE: 'C.UTF-8', LANG: 'C' }), true);
    assert.equal(utf8({ LANG: 'POSIX' }), false);
    assert.equal(utf8({ LANG: 'de_DE.ISO-8859-1' }), false);
    assert.equal(utf8({}), false);
  });
});
