/**
 * user.cfg against Proxmox's own parser/writer tests (parser-writer.json, from
 * src/test/parser_writer.pl) and the generated grammar edge cases (user-cfg-grammar.json).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Diagnostic } from '../../src/formats/diagnostics.js';
import { parseUserCfg, serializeUserCfg } from '../../src/formats/user-cfg.js';
import { readConformanceJson } from '../support/conformance.js';
import {
  fromPerlModel,
  normalizePerlModel,
  toPerlModel,
  type PerlModel,
} from '../support/perl-model.js';

interface ParserWriterCase {
  name: string;
  assertions: ('parse' | 'rewrite' | 'write')[];
  raw: string;
  expected_raw?: string;
  normalized_raw: string;
  parse_warnings: string[];
  config_model?: PerlModel;
  expected_config_model?: PerlModel;
}

interface GrammarCase {
  name: string;
  raw: string;
  model: PerlModel;
  warnings: string[];
  written: string;
}

/**
 * Diagnostics Tessera adds on purpose where Proxmox stays silent (documented in
 * docs/decisions.md): a role line that redefines a built-in role is ignored, with a warning.
 */
const TESSERA_ONLY = [/built-in roles cannot be redefined$/];

/** Tessera's diagnostics in Proxmox's warning format, without Tessera's own additions. */
function asPerlWarnings(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics
    .filter((d) => !TESSERA_ONLY.some((re) => re.test(d.message)))
    .map((d) => `user config - ${d.message}\n`);
}

function modelOf(raw: string): PerlModel {
  return toPerlModel(parseUserCfg(raw).value);
}

describe('parser-writer.json (Proxmox src/test/parser_writer.pl)', () => {
  const data = readConformanceJson<{ cases: ParserWriterCase[] }>(
    'pve-access-control',
    'parser-writer.json',
  );
  for (const c of data.cases) {
    for (const assertion of c.assertions) {
      it(`${c.name}: ${assertion}`, () => {
        if (assertion === 'parse') {
          const expected = c.expected_config_model ?? c.config_model;
          assert.ok(expected, 'case has a model');
          const parsed = parseUserCfg(c.raw);
          assert.deepEqual(toPerlModel(parsed.value), normalizePerlModel(expected));
          assert.deepEqual(asPerlWarnings(parsed.diagnostics), c.parse_warnings);
        } else if (assertion === 'rewrite') {
          assert.equal(serializeUserCfg(parseUserCfg(c.raw).value), c.expected_raw);
        } else {
          assert.ok(c.config_model, 'case has a model');
          assert.equal(serializeUserCfg(fromPerlModel(c.config_model)), c.expected_raw ?? c.raw);
        }
      });
    }
    it(`${c.name}: normalized_raw`, () => {
      assert.equal(serializeUserCfg(parseUserCfg(c.raw).value), c.normalized_raw);
    });
  }
});

describe('user-cfg-grammar.json (generated with the upstream parser)', () => {
  const data = readConformanceJson<{ cases: GrammarCase[] }>(
    'pve-access-control',
    'generated',
    'user-cfg-grammar.json',
  );
  for (const c of data.cases) {
    it(`${c.name}: model`, () => {
      assert.deepEqual(modelOf(c.raw), normalizePerlModel(c.model));
    });
    it(`${c.name}: warnings`, () => {
      assert.deepEqual(asPerlWarnings(parseUserCfg(c.raw).diagnostics), c.warnings);
    });
    it(`${c.name}: written`, () => {
      assert.equal(serializeUserCfg(parseUserCfg(c.raw).value), c.written);
    });
  }

  it('role_builtin_redefined: Tessera ignores the lines and says so', () => {
    const raw = data.cases.find((c) => c.name === 'role_builtin_redefined')?.raw ?? '';
    const messages = parseUserCfg(raw).diagnostics.map(
      (d) => `${d.line} ${d.severity} ${d.message}`,
    );
    assert.deepEqual(messages, [
      "1 warning ignore role 'PVEAdmin' - built-in roles cannot be redefined",
      "2 warning ignore role 'Administrator' - built-in roles cannot be redefined",
    ]);
  });
});
