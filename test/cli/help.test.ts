/**
 * The help of the command line: it fits an 80-column terminal, every command has its own,
 * and the command table is consistent (an option has one type wherever it appears).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COMMANDS, GLOBAL_OPTIONS, type OptionSpec } from '../../src/cli/commands.js';
import { HELP_WIDTH } from '../../src/cli/help.js';
import { PVEUM_ALIASES, PVEUM_COMMANDS } from '../../src/cli/pveum/table.js';
import { expandTabs } from '../../src/cli/pveum/text-wrap.js';
import { runCli } from '../support/cli.js';

/** Lines wider than the terminal, tabs expanded as a terminal does (pveum's help has tabs). */
function tooWide(text: string): string[] {
  return text.split('\n').filter((line) => expandTabs(line).length > HELP_WIDTH);
}

describe('tessera help', () => {
  it('lists every command within 80 columns', async () => {
    const help = await runCli('--help');
    assert.equal(help.status, 0);
    assert.deepEqual(tooWide(help.stdout), []);
    assert.match(help.stdout, /^Usage: tessera \[<global options>\] <command> /);
    for (const command of [...PVEUM_COMMANDS, ...COMMANDS])
      assert.match(help.stdout, new RegExp(`\\n {2}${command.words.join(' ')}\\b`));
    for (const alias of Object.keys(PVEUM_ALIASES))
      assert.ok(help.stdout.includes(`(Also: ${alias}.)`), alias);
    assert.deepEqual(await runCli('help'), help);
    // Without a command: the help, as a usage error.
    assert.deepEqual(await runCli(), { ...help, status: 2 });
  });

  it('gives each command its own help, with all its options, within 80 columns', async () => {
    for (const command of COMMANDS) {
      const words = command.words.join(' ');
      const help = await runCli(...command.words, '--help');
      assert.equal(help.status, 0, words);
      assert.deepEqual(tooWide(help.stdout), [], words);
      assert.ok(help.stdout.startsWith(`Usage: tessera ${words}`), help.stdout);
      for (const name of Object.keys(command.options))
        assert.match(help.stdout, new RegExp(`\\n {2}--${name}\\b`), `${words} --${name}`);
      assert.deepEqual(await runCli('help', ...command.words), help, words);
    }
    const serve = await runCli('serve', '--help');
    assert.match(
      serve.stdout,
      /\n {2}--listen <host:port> +Where to listen \(default 0\.0\.0\.0:8006\)\.\n/,
    );
  });

  it("gives each pveum command (and alias) pveum's long help, within 80 columns", async () => {
    const named = [
      ...PVEUM_COMMANDS.map((c) => c.words),
      ...Object.keys(PVEUM_ALIASES).map((a) => a.split(' ')),
    ];
    for (const words of named) {
      const help = await runCli(...words, '--help');
      assert.equal(help.status, 0, words.join(' '));
      // Text::Wrap's layout keeps pveum's own help within 75 columns; Tessera's notes too.
      // The usage line is pveum's, never wrapped (pveum's own reaches 81 columns).
      assert.deepEqual(
        tooWide(help.stdout).filter((line) => !line.startsWith('USAGE: tessera ')),
        [],
        words.join(' '),
      );
      assert.match(help.stdout, /^USAGE: tessera /, words.join(' '));
      assert.doesNotMatch(help.stdout, /no description available/, words.join(' '));
      assert.deepEqual(await runCli('help', ...words), help, words.join(' '));
    }
  });

  it('lists the commands of a group, as in tessera user tfa', async () => {
    const help = await runCli('user', 'tfa', '--help');
    assert.equal(help.status, 0);
    assert.equal(
      help.stdout,
      [
        'Usage: tessera user tfa <command> [<arguments>] [<options>]',
        '',
        'Commands:',
        "  user tfa unlock <userid>  Lifts a user's second-factor lockouts.",
        "  user tfa list [<userid>]  Second factors of all users or of one: each factor's",
        '                            type, id and description.',
        "  user tfa delete <userid>  Deletes one second factor, or all of the user's.",
        '',
        "'tessera <command> --help' shows the options of a command.",
        '',
      ].join('\n'),
    );
    const bare = await runCli('user');
    assert.equal(bare.status, 2);
    assert.match(bare.stderr, /^tessera: 'user' needs a command\n\nUsage: tessera user <command>/);
    assert.match(bare.stderr, /\n {2}user permissions \[<userid>\] +Effective permissions/);
  });

  it('gives an option one type wherever it appears', () => {
    const seen = new Map<string, OptionSpec['type']>(
      Object.entries(GLOBAL_OPTIONS).map(([name, spec]) => [name, spec.type]),
    );
    for (const command of COMMANDS)
      for (const [name, spec] of Object.entries(command.options)) {
        assert.equal(
          seen.get(name) ?? spec.type,
          spec.type,
          `--${name} of ${command.words.join(' ')}`,
        );
        seen.set(name, spec.type);
      }
  });

  it('points at the command help when an option is not the command’s', async () => {
    const result = await runCli('config', 'check', '--listen', 'x:1');
    assert.deepEqual(
      [result.status, result.stderr],
      [
        2,
        "tessera: option '--listen' is not valid for 'config check'\n" +
          "'tessera config check --help' lists its options.\n",
      ],
    );
  });
});
