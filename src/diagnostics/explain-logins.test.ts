import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explainEvents, parseSince, renderExplained } from './explain-logins.js';

describe('explaining logins', () => {
  it('keeps control characters from client-given names out of the terminal', () => {
    const text = renderExplained(
      'x',
      explainEvents([
        {
          time: 0,
          node: 'n',
          kind: 'login',
          outcome: 'failure',
          cause: 'unknown_user',
          user: 'evil\u001b[2J\nroot@pam logged in',
          rhost: '10.0.0.1',
        },
      ]),
    );
    assert.ok(!text.includes('\u001b'), 'no escape character');
    assert.equal(text.split('\n').filter((l) => l.includes('logged in')).length, 1);
    assert.match(
      text,
      /evil\\x1b\[2J\\x0aroot@pam logged in {2}FAILED \(unknown_user\): no such user/,
    );
  });

  it('reads relative and absolute times', () => {
    assert.equal(parseSince('2h', 10_000_000), 10_000_000 - 7_200_000);
    assert.equal(parseSince('2026-01-01T00:00:00Z', 0), Date.parse('2026-01-01T00:00:00Z'));
    assert.equal(parseSince('soon', 0), undefined);
  });
});
