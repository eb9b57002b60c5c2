import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getopt, UsageError, type GetoptSpec } from './getopt.js';

const SPEC: GetoptSpec = {
  options: {
    comment: { flag: false, list: false },
    email: { flag: false, list: false },
    enable: { flag: true, list: false },
    expire: { flag: false, list: false },
    groups: { flag: false, list: true },
    password: { flag: false, list: false, secret: true },
    'token-file': { flag: false, list: false, exact: true },
  },
  positional: [{ name: 'userid', optional: false }],
};

/** The refusal's warning and message, as pveum prints them before the usage. */
function refusal(argv: readonly string[]): string {
  try {
    getopt(SPEC, argv);
  } catch (err) {
    assert.ok(err instanceof UsageError);
    return `${err.warning ?? ''}${err.detail}`;
  }
  assert.fail(`accepted: ${argv.join(' ')}`);
}

describe("pveum's option parsing", () => {
  it('takes options anywhere, with - or --, = or a separate value, any case, unique prefixes', () => {
    assert.deepEqual(getopt(SPEC, ['--COMM', 'x', 'u@pve', '-email=a@b', '--exp', '5']), {
      comment: 'x',
      email: 'a@b',
      expire: '5',
      userid: 'u@pve',
    });
  });

  it("gives a boolean's value optionally: alone it is 1, a following option is not its value", () => {
    assert.deepEqual(getopt(SPEC, ['u@pve', '--enable', '--comment', 'c']), {
      enable: '1',
      comment: 'c',
      userid: 'u@pve',
    });
    assert.deepEqual(getopt(SPEC, ['--enable', 'no', 'u@pve']), { enable: '0', userid: 'u@pve' });
    assert.equal(refusal(['--enable', 'maybe', 'u@pve']), 'unable to parse boolean option\n');
  });

  it('takes the next word as a value even when it looks like an option', () => {
    assert.deepEqual(getopt(SPEC, ['u@pve', '--comment', '--email']), {
      comment: '--email',
      userid: 'u@pve',
    });
  });

  it('joins repeated list options and keeps the last of others', () => {
    assert.deepEqual(
      getopt(SPEC, [
        'u@pve',
        '--groups',
        'a',
        '--groups',
        'b,c',
        '--comment',
        '1',
        '--comment',
        '2',
      ]),
      { groups: 'a,b,c', comment: '2', userid: 'u@pve' },
    );
  });

  it("refuses as pveum does, with Getopt::Long's warning first", () => {
    assert.equal(
      refusal(['u@pve', '--bogus', '1']),
      'Unknown option: bogus\nunable to parse option\n',
    );
    assert.equal(
      refusal(['u@pve', '--e', '1']),
      'Option e is ambiguous (email, enable, expire)\nunable to parse option\n',
    );
    assert.equal(
      refusal(['u@pve', '--comment']),
      'Option comment requires an argument\nunable to parse option\n',
    );
    assert.equal(refusal([]), 'not enough arguments\n');
    assert.equal(refusal(['u@pve', 'extra']), 'too many arguments\n');
  });

  it('never shortens an exact option: --token is not --token-file', () => {
    assert.equal(
      refusal(['u@pve', '--token', 'root@pam!x=secret']),
      'Unknown option: token\nunable to parse option\n',
    );
  });

  it('takes a secret only alone, and refuses a value without repeating it', () => {
    assert.deepEqual(getopt(SPEC, ['u@pve', '--password']), { password: '1', userid: 'u@pve' });
    const refused = refusal(['u@pve', '--password', 'hunter22']);
    assert.match(refused, /^password: not taken from the command line/);
    assert.doesNotMatch(refused, /hunter22/);
    assert.doesNotMatch(refusal(['u@pve', '--password=hunter22']), /hunter22/);
  });

  it('ends options at --', () => {
    assert.deepEqual(getopt(SPEC, ['--', '--odd@pve']), { userid: '--odd@pve' });
  });
});
