import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { accessLogLine, accessLogTime, loggableTarget, MAX_LOGGED_TARGET } from './access-log.js';

describe('the access-log line', () => {
  it("is pveproxy's, field by field", () => {
    const time = new Date(2026, 11, 7, 9, 5, 3);
    assert.equal(
      accessLogLine({
        address: '::ffff:192.0.2.1',
        user: 'root@pam',
        time,
        method: 'GET',
        target: '/api2/json/version',
        httpVersion: '1.1',
        status: 200,
        size: 153,
      }),
      `::ffff:192.0.2.1 - root@pam [${accessLogTime(time)}] "GET /api2/json/version HTTP/1.1" 200 153\n`,
    );
    assert.match(accessLogTime(time), /^07\/12\/2026:09:05:03 [+-]\d{4}$/);
    assert.equal(
      accessLogLine({
        address: '127.0.0.1',
        user: undefined,
        time,
        method: 'POST',
        target: '/api2/json/access/ticket',
        httpVersion: '1.0',
        status: 401,
        size: undefined,
      }).replace(/\[[^\]]*\]/, '[t]'),
      '127.0.0.1 - - [t] "POST /api2/json/access/ticket HTTP/1.0" 401 -\n',
    );
  });

  it('hides the values of parameters that may be secrets', () => {
    assert.equal(
      loggableTarget('/x?userid=a%40pve&password=p&PVEAuthCookie=t&new-password=n&otp=1&full=1'),
      '/x?userid=a%40pve&password=(hidden)&PVEAuthCookie=(hidden)&new-password=(hidden)&otp=(hidden)&full=1',
    );
    // Percent-encoded names are judged decoded; a name without a value stays as it is.
    assert.equal(
      loggableTarget('/?pass%77ord=x&code=abc&state=s&flag'),
      '/?pass%77ord=(hidden)&code=(hidden)&state=(hidden)&flag',
    );
  });

  it('cuts a long target and escapes what could break the line', () => {
    const long = `/${'a'.repeat(5000)}`;
    assert.equal(loggableTarget(long), `${long.slice(0, MAX_LOGGED_TARGET)}...`);
    assert.equal(loggableTarget('/a b"c\\d\u00e9\n'), '/a%20b%22c%5Cd%C3%A9%0A');
    // A secret cut in the middle is still hidden.
    assert.equal(loggableTarget(`/x?password=${'s'.repeat(2000)}`), '/x?password=(hidden)...');
  });
});
