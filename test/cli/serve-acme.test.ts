/**
 * `serve`'s ACME options are checked before anything starts: each bad value is refused
 * naming the option and what it expects.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from '../support/cli.js';

async function refused(...args: string[]): Promise<string> {
  const result = await runCli('serve', '--listen', '127.0.0.1:1', ...args);
  assert.notEqual(result.status, 0);
  return result.stderr.trim();
}

describe('serve --acme-*', () => {
  it('refuses bad values, naming the option', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['--acme-domain', 'a.example,*.example'],
        /--acme-domain expects DNS names separated by commas, not '\*\.example'/,
      ],
      [['--acme-domain', 'a..example'], /--acme-domain expects DNS names .* not 'a\.\.example'/],
      [
        ['--acme-domain', 'a.example', '--acme-directory', 'http://ca/dir'],
        /--acme-directory expects an https:\/\/ URL, not 'http:\/\/ca\/dir'/,
      ],
      [
        ['--acme-domain', 'a.example', '--acme-email', 'nobody'],
        /--acme-email expects an e-mail address, not 'nobody'/,
      ],
      [
        ['--acme-domain', 'a.example', '--acme-http', '80'],
        /--acme-http expects host:port \(as in 0\.0\.0\.0:80\), not '80'/,
      ],
      [
        ['--acme-domain', 'a.example', '--acme-renew-days', '0'],
        /--acme-renew-days expects a positive whole number of days, not '0'/,
      ],
      [['--acme-email', 'ops@example.com'], /--acme-email needs --acme-domain/],
      [
        ['--acme-domain', 'a.example', '--cert', 'c.pem', '--key', 'k.pem'],
        /--cert and --acme-domain exclude each other/,
      ],
    ];
    for (const [args, expected] of cases)
      assert.match(await refused(...args), expected, args.join(' '));
  });
});
