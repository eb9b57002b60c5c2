/**
 * domains.cfg against answers of the upstream SectionConfig parser and writer
 * (domains-cfg-grammar.json).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Diagnostic } from '../../src/formats/diagnostics.js';
import { parseDomainsCfg, serializeDomainsCfg } from '../../src/formats/domains-cfg.js';
import type { DomainsConfig } from '../../src/model/realm.js';
import { readConformanceJson } from '../support/conformance.js';

interface GrammarCase {
  name: string;
  raw: string;
  ids: Record<string, Record<string, string | number>>;
  warnings: string[];
  written: string;
}

/** Tessera's realms in the shape of Proxmox's `ids` hash (booleans as 0/1). */
function asPerlIds(config: DomainsConfig): Record<string, Record<string, string | number>> {
  const out: Record<string, Record<string, string | number>> = {};
  for (const realm of config.realms.values()) {
    const entry: Record<string, string | number> = { type: realm.type };
    for (const [key, value] of realm.options)
      entry[key] = typeof value === 'boolean' ? (value ? 1 : 0) : value;
    out[realm.realm] = entry;
  }
  return out;
}

/** Proxmox's warning text for a diagnostic. */
function asPerlWarning(d: Diagnostic): string {
  const prefix = `file ${d.file} line ${d.line}`;
  if (d.section !== undefined) return `${prefix} (section '${d.section}') - ${d.message}`;
  return d.message.startsWith('(') ? `${prefix} ${d.message}` : `${prefix} - ${d.message}`;
}

/** Tessera's own additions: Proxmox picks a default realm silently and at random. */
const TESSERA_ONLY = [/is marked default, but/];

describe('domains-cfg-grammar.json (upstream SectionConfig)', () => {
  const data = readConformanceJson<{ cases: GrammarCase[] }>(
    'pve-access-control',
    'generated',
    'domains-cfg-grammar.json',
  );
  for (const c of data.cases) {
    it(`${c.name}: parsed realms`, () => {
      const expected = structuredClone(c.ids);
      // `plugin` is an internal key of the Perl implementation.
      for (const realm of Object.values(expected)) delete realm['plugin'];
      assert.deepEqual(asPerlIds(parseDomainsCfg(c.raw).value), expected);
    });
    it(`${c.name}: warnings`, () => {
      const warnings = parseDomainsCfg(c.raw)
        .diagnostics.filter((d) => !TESSERA_ONLY.some((re) => re.test(d.message)))
        .map(asPerlWarning);
      assert.deepEqual(
        warnings,
        c.warnings.map((w) => w.trimEnd()),
      );
    });
    it(`${c.name}: written`, () => {
      assert.equal(serializeDomainsCfg(parseDomainsCfg(c.raw).value), c.written);
    });
  }

  it('two_defaults: Tessera keeps the first default realm and says so', () => {
    const parsed = parseDomainsCfg('pve: pve\n\tdefault 1\n\npam: pam\n\tdefault 1\n');
    assert.deepEqual(
      parsed.diagnostics.map((d) => d.message),
      ["realm 'pam' is marked default, but 'pve' already is; ignoring it"],
    );
  });
});
