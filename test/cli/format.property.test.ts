/**
 * Tessera's output formatter against Proxmox's PVE::CLIFormatter (run in Perl on the reference
 * sources): a few hundred generated results, schemas and output options must print the very
 * same bytes, or fail the same way.
 */
process.env['TZ'] = 'UTC';

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { defaultColumns, formatApiResult } from '../../src/cli/format/api-result.js';
import type {
  ApiValue,
  OutputFormat,
  OutputOptions,
  ReturnsSchema,
} from '../../src/cli/format/types.js';
import { referenceFormat, type FormatterCase } from '../support/cli-formatter.js';

const TRICKY = [
  '',
  ' ',
  '~',
  'null',
  'true',
  'false',
  'True',
  'yes',
  'no',
  'on',
  'Y',
  '1',
  '-1',
  '012',
  '1.5',
  '.5',
  '1e3',
  ' 1 ',
  'inf',
  'NaN',
  '0x1f',
  '- a',
  '-a',
  '---',
  '...',
  '--- x',
  'a: b',
  'a:b',
  'a:',
  ':a',
  '? x',
  '?x',
  '#c',
  'a #b',
  'a#b',
  '&x',
  '*x',
  '!x',
  '%x',
  '@x',
  '`x',
  '|x',
  '>x',
  '[a]',
  '{x',
  'a,b',
  "it's",
  'say "hi"',
  'back\\slash',
  ' lead',
  'trail ',
  'a  b',
  'a\tb',
  'a\nb',
  'a\n',
  'a\n\n',
  '\nlead',
  'a\r\nb',
  'x \ny',
  'ü',
  'Dävid',
  '漢字',
  '😀',
  'a\u00a0b',
  '\ufeffx',
  'a\u2028b',
  '\u0085x',
  '\u0001',
  'a\u007fb',
  'line one\nline two that is long enough to be a literal block\n',
  ' indented first line\nand a second line that makes it long',
];

const words = fc.array(
  fc.constantFrom('word', 'x:', 'ü', '漢字', '#', 'a', 'long-token-here', ' '),
  {
    minLength: 10,
    maxLength: 40,
  },
);

const text: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...TRICKY),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
  words.map((w) => w.join(' ')),
  words.map((w) => w.join('\n')),
  fc.array(fc.constantFrom(...TRICKY), { maxLength: 4 }).map((a) => a.join('')),
);

const integer = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }),
  fc.integer(),
  fc.constantFrom(0, 1023, 1024, 1048576, 1700000000),
);
const float = fc.oneof(
  fc.constantFrom(
    0.1,
    1.5,
    -2.25,
    0.125,
    1e-5,
    2.5e25,
    123456.789,
    0.30000000000000004,
    1152 / 1024,
  ),
  // Twelve significant digits at most: Perl's JSON parser reads longer ones a unit off.
  fc
    .double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 })
    .map((d) => Number(d.toPrecision(12)))
    .filter((d) => !Number.isInteger(d) && Math.abs(d) > 1e-6),
);

const scalar: fc.Arbitrary<ApiValue> = fc.oneof(
  { weight: 5, arbitrary: text },
  { weight: 2, arbitrary: integer },
  { weight: 1, arbitrary: float },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
);

const key = fc.oneof(
  fc.constantFrom('a', 'b', 'id', 'name', 'ü', 'zeta', 'Z', '漢', 'key-2', '', '0'),
  fc.string({ maxLength: 6 }),
);

const nested: fc.Arbitrary<ApiValue> = fc.letrec<{ v: ApiValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(key, tie('v'), { maxKeys: 3 }),
  ),
})).v;

const RENDERERS = [
  'timestamp',
  'timestamp_gmt',
  'duration',
  'bytes',
  'fraction_as_percentage',
  'yaml',
] as const;
const TYPES = ['string', 'integer', 'number', 'boolean', 'object', 'array', undefined] as const;

const property: fc.Arbitrary<ReturnsSchema> = fc
  .record(
    {
      type: fc.constantFrom(...TYPES),
      optional: fc.constantFrom(0, 1),
      title: fc.constantFrom('Title', 'A long column title', 'Ü', 'x'),
      renderer: fc.constantFrom(...RENDERERS),
      maxLength: fc.integer({ min: 1, max: 12 }),
      print_width: fc.integer({ min: 1, max: 12 }),
    },
    { requiredKeys: [] },
  )
  .map((p) => JSON.parse(JSON.stringify(p)) as ReturnsSchema);

/** A value fitting a column, mostly; the sort column stays scalar: Perl sorts references by address. */
function cell(p: ReturnsSchema, first: boolean): fc.Arbitrary<ApiValue> {
  if (p.renderer !== undefined && p.renderer !== 'yaml') {
    // Perl's localtime gives up on epochs far beyond any real date; so does Tessera, differently.
    const inRange = (v: ApiValue): boolean =>
      !p.renderer?.startsWith('timestamp') || typeof v !== 'number' || Math.abs(v) < 1e11;
    return fc
      .oneof({ weight: 6, arbitrary: fc.oneof(integer, float) }, { weight: 1, arbitrary: scalar })
      .filter(inRange);
  }
  if (first) return scalar;
  return fc.oneof({ weight: 6, arbitrary: scalar }, { weight: 1, arbitrary: nested });
}

const listCase = fc
  .uniqueArray(fc.tuple(key, property), { minLength: 1, maxLength: 5, selector: ([k]) => k })
  .chain((props) => {
    const properties = Object.fromEntries(props);
    const schema: ReturnsSchema = { type: 'array', items: { type: 'object', properties } };
    const sortKey = defaultColumns(properties)[0];
    const row = fc.record(Object.fromEntries(props.map(([k, p]) => [k, cell(p, k === sortKey)])), {
      requiredKeys: [],
    }) as fc.Arbitrary<ApiValue>;
    return fc.record({ data: fc.array(row, { maxLength: 6 }), schema: fc.constant(schema) });
  });

const objectCase = fc.dictionary(key, property, { maxKeys: 4 }).chain((properties) =>
  fc.record({
    data: fc
      .tuple(
        fc.record(
          Object.fromEntries(Object.entries(properties).map(([k, p]) => [k, cell(p, false)])),
          { requiredKeys: [] },
        ),
        fc.dictionary(key, fc.oneof(scalar, nested), { maxKeys: 4 }),
      )
      .map(([known, extra]) => ({ ...extra, ...known })),
    schema: fc.constantFrom<ReturnsSchema>({ type: 'object' }, { type: 'object', properties }),
  }),
);

const otherCase = fc.oneof(
  fc.record({
    data: fc.array(scalar, { maxLength: 6 }),
    schema: fc.constantFrom<ReturnsSchema>(
      { type: 'array', items: { type: 'string' } },
      { type: 'array', items: { type: 'integer' } },
    ),
  }),
  fc.record({
    data: scalar,
    schema: fc.constantFrom<ReturnsSchema>(
      { type: 'string' },
      { type: 'null' },
      { type: 'string', optional: 1 },
    ),
  }),
  fc.record({ data: nested }),
);

const options = fc.record(
  {
    'output-format': fc.constantFrom<OutputFormat>('text', 'json', 'json-pretty', 'yaml'),
    noborder: fc.constantFrom(0, 1),
    noheader: fc.constantFrom(0, 1),
    quiet: fc.constantFrom(0, 1),
    'human-readable': fc.constantFrom(0, 1),
  },
  { requiredKeys: [] },
);

const caseArb: fc.Arbitrary<FormatterCase> = fc
  .tuple(
    fc.oneof(
      { weight: 6, arbitrary: listCase },
      { weight: 2, arbitrary: objectCase },
      { weight: 2, arbitrary: otherCase },
    ),
    options,
    fc.record({ utf8: fc.boolean(), columns: fc.constantFrom(undefined, 20, 60, 200) }),
  )
  .map(([c, o, t]) => ({
    data: c.data,
    ...('schema' in c ? { schema: c.schema } : {}),
    options: o,
    terminal: t.columns === undefined ? { utf8: t.utf8 } : { utf8: t.utf8, columns: t.columns },
  }));

function tesseraOptions(o: FormatterCase['options']): OutputOptions {
  const options: { -readonly [K in keyof OutputOptions]: OutputOptions[K] } = {};
  if (o['output-format'] !== undefined) options.outputFormat = o['output-format'] as OutputFormat;
  if (o['noborder'] !== undefined) options.noborder = o['noborder'] === 1;
  if (o['noheader'] !== undefined) options.noheader = o['noheader'] === 1;
  if (o['quiet'] !== undefined) options.quiet = o['quiet'] === 1;
  if (o['human-readable'] !== undefined) options.humanReadable = o['human-readable'] === 1;
  return options;
}

function tessera(c: FormatterCase): { out: Buffer; error?: string } {
  try {
    return {
      out: Buffer.from(
        formatApiResult(c.data, c.schema, tesseraOptions(c.options), c.terminal, c.columns),
        'utf8',
      ),
    };
  } catch (e) {
    return { out: Buffer.alloc(0), error: (e as Error).message };
  }
}

describe('CLI output formatter against PVE::CLIFormatter', () => {
  it('prints the same bytes as Proxmox for generated results, schemas and options', () => {
    const cases = fc.sample(caseArb, { numRuns: 400, seed: 18 });
    const reference = referenceFormat(cases);
    const mismatches: string[] = [];
    cases.forEach((c, i) => {
      const ours = tessera(c);
      const theirs = reference[i] ?? { out: Buffer.alloc(0), error: 'no answer from Perl' };
      if (theirs.error !== undefined) {
        if (ours.error === undefined)
          mismatches.push(`case ${i}: Proxmox fails (${theirs.error}), Tessera prints`);
        return;
      }
      if (ours.error !== undefined || !ours.out.equals(theirs.out)) {
        mismatches.push(
          `case ${i}: ${JSON.stringify(c)}\nProxmox: ${JSON.stringify(theirs.out.toString('latin1'))}\n` +
            `Tessera: ${ours.error ?? JSON.stringify(ours.out.toString('latin1'))}`,
        );
      }
    });
    assert.deepEqual(mismatches.slice(0, 5), [], `${mismatches.length} of ${cases.length} differ`);
  });
});
