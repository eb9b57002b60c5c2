/**
 * `tessera help <pveum command>` against the real `pveum help` (../shared/reference/oracle):
 * the same usage line (program name aside; an alias shows its command's), and the same
 * arguments and options in the same order, with the same type texts and defaults. The
 * descriptions are Tessera's own, so each entry is compared without its description; the
 * layout (Text::Wrap's columns and tabs) is compared where both print the same text.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { operationOf } from '../../src/cli/pveum/operations.js';
import { commandSchema } from '../../src/cli/pveum/schema.js';
import { PVEUM_ALIASES, PVEUM_COMMANDS, type PveumCommand } from '../../src/cli/pveum/table.js';
import { textWrap } from '../../src/cli/pveum/text-wrap.js';
import { INTERACTIVE_NOTE } from '../../src/cli/pveum/usage.js';
import { fastifyPath, proxmoxApiSchema, type ProxmoxMethod } from '../support/api-schema.js';
import { runCli } from '../support/cli.js';
import { makePveDir, type PveDir } from '../support/pve-dir.js';
import { runPveumLocally } from '../support/pveum-local.js';

/**
 * Where Tessera's help shows a parameter differently, on purpose: `--password` is never
 * taken as a value (run.ts reads it from the terminal or standard input), so its type
 * text is Proxmox's for an interactive parameter, `<password>`, not `<string>`.
 */
const SHOWN_DIFFERENTLY: Readonly<Record<string, string>> = {
  '--password <string>': '--password <password>',
};

/**
 * Parameters Tessera takes that Proxmox 9.1 does not define, by command; each is in
 * docs/compatibility.md ("Two parameters Proxmox 9.1 does not define are accepted").
 */
const EXTRA_ENTRIES: Readonly<Record<string, readonly string[]>> = {
  'user modify': ['--delete <string>'],
  'realm modify': ['--username-claim <string>'],
};

const squeeze = (text: string): string => text.replace(/\s+/g, ' ').trim();

interface Help {
  readonly usage: string;
  /** Each argument and option, without its description: `--enable <boolean> (default=1)`. */
  readonly entries: readonly string[];
}

/**
 * The usage line and the entries of a long help; `descriptionOf` gives the description
 * each entry ends with (pveum's or Tessera's), which is cut off.
 */
function parseHelp(
  text: string,
  program: string,
  descriptionOf: (display: string) => string,
): Help {
  const [first = '', ...paragraphs] = text.split('\n\n');
  const usage = first.replace(`USAGE: ${program} `, 'USAGE: <program> ');
  const entries = paragraphs
    .filter((p) => /^ {2}(?:<|--)/.test(p))
    .map((p) => {
      const display = /^ {2}(\S+)/.exec(p)?.[1] ?? '';
      const whole = squeeze(p);
      const description = squeeze(descriptionOf(display));
      assert.ok(whole.endsWith(` ${description}`), `${display}: ${whole} / ${description}`);
      return whole.slice(0, whole.length - description.length - 1);
    });
  return { usage, entries };
}

function nameOf(display: string): string {
  return display.replace(/^--|^<|>$/g, '');
}

describe('tessera help <pveum command>, as pveum help', () => {
  let dir: PveDir;
  let proxmox: readonly ProxmoxMethod[];

  before(() => {
    dir = makePveDir();
    proxmox = proxmoxApiSchema();
  });
  after(() => {
    dir.remove();
  });

  // pveum has its pool commands where pve-manager's pool API is installed, as on a node.
  const pveumHelp = (words: readonly string[]): string => {
    const [outcome] = runPveumLocally(dir.path, [['help', ...words]], {
      guests: {},
      storage: [],
    });
    assert.equal(outcome?.status, 0, outcome?.stderr);
    return outcome.stdout;
  };

  /** The command's help from both sides, parsed. */
  async function both(
    words: readonly string[],
    command: PveumCommand,
  ): Promise<{ pveum: Help; tessera: Help; text: string }> {
    const method = proxmox.find(
      (m) => m.method === command.method && fastifyPath(m.path) === command.path,
    );
    const operation = await operationOf(command);
    assert.ok(method && operation, words.join(' '));
    // pveum's own token methods (`user token permissions`) take the standard userid and
    // token-subid options, as generate_token does; the rest is the API method's.
    const tokenMethod = proxmox.find(
      (m) => m.method === 'POST' && m.path === '/access/users/{userid}/token/{tokenid}',
    );
    const proxmoxParam = (name: string): { readonly description?: string } | undefined =>
      command.tokenOfUser === true && (name === 'userid' || name === 'tokenid')
        ? tokenMethod?.parameters[name]
        : method.parameters[name];
    const ourSchema = commandSchema(command, operation);
    const ours = await runCli('help', ...words);
    assert.equal(ours.status, 0, words.join(' '));
    assert.deepEqual(await runCli(...words, '--help'), ours, words.join(' '));
    // What usage.ts adds to the description of a parameter read from the terminal.
    const interactive = (display: string): string =>
      display === '--password' ? ` ${INTERACTIVE_NOTE}` : '';
    return {
      pveum: parseHelp(
        pveumHelp(words),
        'pveum',
        (display) => proxmoxParam(nameOf(display))?.description ?? 'no description available',
      ),
      tessera: parseHelp(
        ours.stdout,
        'tessera',
        (display) =>
          (ourSchema[nameOf(display)]?.description ?? 'no description available') +
          interactive(display),
      ),
      text: ours.stdout,
    };
  }

  const named = [
    ...PVEUM_COMMANDS.map((command) => [command.words, command] as const),
    ...Object.entries(PVEUM_ALIASES).map(([alias, target]) => {
      const command = PVEUM_COMMANDS.find((c) => c.words.join(' ') === target.join(' '));
      assert.ok(command, alias);
      return [alias.split(' '), command] as const;
    }),
  ];

  for (const [words, command] of named)
    it(`${words.join(' ')}: the usage, arguments and options of pveum's`, async () => {
      const { pveum, tessera } = await both(words, command);
      assert.equal(tessera.usage, pveum.usage);
      const extra = EXTRA_ENTRIES[command.words.join(' ')] ?? [];
      for (const entry of extra) assert.ok(tessera.entries.includes(entry), entry);
      assert.deepEqual(
        tessera.entries.filter((entry) => !extra.includes(entry)),
        pveum.entries.map((entry) => SHOWN_DIFFERENTLY[entry] ?? entry),
      );
    });

  it('lays the entries out as pveum does, tabs and all', async () => {
    const command = PVEUM_COMMANDS.find((c) => c.words.join(' ') === 'user token add');
    assert.ok(command);
    const { text } = await both(command.words, command);
    // The same head as pveum's: `--expire   <integer> (0 - N)\t (default=same as user)`.
    assert.ok(
      pveumHelp(command.words).includes(
        '  --expire   <integer> (0 - N)\t (default=same as user)\n',
      ),
    );
    assert.ok(text.includes('  --expire   <integer> (0 - N)\t (default=same as user)\n'));
    assert.match(text, /\n {2}<tokenid> {2}\(\?\^:\[A-Za-z\]\[A-Za-z0-9\\\.\\-_\]\+\)\n\t {5}\S/);
  });

  it('wraps as Text::Wrap does: 75 columns, long words cut, runs of spaces as tabs', () => {
    // Each expectation is what Perl's Text::Wrap::wrap prints for the same arguments.
    const long = 'x'.repeat(62);
    assert.equal(
      textWrap('', ' '.repeat(13), `  --a ${long} (default=1)\n`),
      `  --a ${long}\n\t     (default=1)\n`,
    );
    const pattern = 'y'.repeat(100);
    assert.equal(
      textWrap(' '.repeat(13), ' '.repeat(13), pattern),
      `\t     ${'y'.repeat(62)}\n\t     ${'y'.repeat(38)}`,
    );
    assert.equal(
      textWrap('  ', '  ', `${'word '.repeat(15)}end`),
      `  ${'word '.repeat(13)}word\n  word end`,
    );
  });

  it('says that --password is read from the terminal or standard input', async () => {
    for (const words of [
      ['user', 'add'],
      ['realm', 'modify'],
    ]) {
      const help = squeeze((await runCli('help', ...words)).stdout);
      assert.match(help, /--password <password> .* read from the terminal .* standard input/);
    }
  });
});
