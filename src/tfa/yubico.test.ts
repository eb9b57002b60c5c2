import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { makeOtp, startYubicoServer, type YubicoServer } from '../../test/support/yubico-server.js';
import {
  isYubicoOtpShape,
  signYubico,
  verifyYubicoOtp,
  yubicoPublicId,
  type YubicoRealmSettings,
  type YubicoResult,
} from './yubico.js';

const KEY = 'mG5be6ZJU1qBGz24yPh/ESM3UdU=';
const OTHER_KEY = Buffer.alloc(20, 7).toString('base64');
const PUBLIC_ID = 'ccccccbcgujh';
const UNKNOWN_ID = 'ccccccdeffgh';

/** Every failure must keep the API key to itself. */
function failure(result: YubicoResult): { cause: string; reason: string } {
  assert.equal(result.ok, false, 'expected a failure');
  assert.ok(!result.reason.includes(KEY), `reason leaks the API key: ${result.reason}`);
  assert.ok(!result.reason.includes(OTHER_KEY), `reason leaks the API key: ${result.reason}`);
  return { cause: result.cause, reason: result.reason };
}

/** A fetch that lets the test see the request and the raw answer. */
function recordingFetch(log: { url?: string; body?: string }): typeof fetch {
  return async (input, init) => {
    log.url = input instanceof Request ? input.url : input.toString();
    const response = await fetch(input, init);
    const body = await response.text();
    log.body = body;
    return new Response(body, { status: response.status });
  };
}

describe('Yubico OTP helpers', () => {
  it('signs the sorted parameters but h, as HMAC-SHA1 under the decoded key', () => {
    const params = {
      timestamp: '1',
      otp: 'vvvvvvcucrlcietctckflvnncdgckubflugerlnr',
      nonce: 'aef3a7835277a28da831005c2ae3b919e2076a62',
      id: '87',
      h: 'ignored',
    };
    const message =
      'id=87&nonce=aef3a7835277a28da831005c2ae3b919e2076a62' +
      '&otp=vvvvvvcucrlcietctckflvnncdgckubflugerlnr&timestamp=1';
    const expected = createHmac('sha1', Buffer.from(KEY, 'base64'))
      .update(message)
      .digest('base64');
    assert.equal(signYubico(params, KEY), expected);
    // The same value computed with `openssl dgst -sha1 -mac HMAC -macopt hexkey:…`.
    assert.equal(expected, 'BkhntYw4EKXHMKF2nt68SZubEtQ=');
    const unsigned = Object.fromEntries(Object.entries(params).filter(([name]) => name !== 'h'));
    assert.equal(signYubico(unsigned, KEY), expected);
    assert.notEqual(signYubico({ ...unsigned, id: '88' }, KEY), expected);
    assert.notEqual(signYubico(unsigned, OTHER_KEY), expected);
  });

  it('takes the public id from the first 12 characters and checks the OTP shape', () => {
    const otp = makeOtp(PUBLIC_ID);
    assert.equal(otp.length, 44);
    assert.equal(yubicoPublicId(otp), PUBLIC_ID);
    assert.equal(yubicoPublicId('CCCCCCBCGUJHtvfbgl'), 'CCCCCCBCGUJH');
    assert.equal(isYubicoOtpShape(otp), true);
    assert.equal(isYubicoOtpShape(otp.toUpperCase()), true);
    assert.equal(isYubicoOtpShape('c'.repeat(32)), true);
    assert.equal(isYubicoOtpShape('c'.repeat(48)), true);
    for (const bad of ['c'.repeat(31), 'c'.repeat(49), `${otp.slice(0, 43)}a`, ` ${otp}`, ''])
      assert.equal(isYubicoOtpShape(bad), false, bad);
  });
});

describe('Yubico OTP validation against a validation server', () => {
  let server: YubicoServer;
  let settings: YubicoRealmSettings;

  before(async () => {
    server = await startYubicoServer({ clients: { '87': KEY }, keys: [PUBLIC_ID] });
    settings = { id: '87', key: KEY, url: server.url };
  });
  after(async () => {
    await server.close();
  });

  it('accepts a fresh OTP with a correctly signed, URL-encoded request', async () => {
    // A nonce whose request signature holds '+' or '/', so the URL encoding is exercised.
    let n = 0;
    const nonceFor = (i: number): string => `nonce${String(i).padStart(11, '0')}`;
    const otp = makeOtp(PUBLIC_ID);
    const sig = (i: number): string =>
      signYubico({ id: '87', nonce: nonceFor(i), otp, timestamp: '1' }, KEY);
    while (!/[+/]/.test(sig(n))) n += 1;

    const log: { url?: string; body?: string } = {};
    const before = server.requests;
    const result = await verifyYubicoOtp(settings, otp, {
      nonce: nonceFor(n),
      fetch: recordingFetch(log),
    });
    assert.deepEqual(result, { ok: true, publicId: PUBLIC_ID });
    assert.equal(server.requests, before + 1);
    assert.equal(
      log.url,
      `${server.url}?id=87&nonce=${nonceFor(n)}&otp=${otp}&timestamp=1&h=${encodeURIComponent(sig(n))}`,
    );
    assert.match(log.body ?? '', /\r\nstatus=OK\r\n/);
  });

  it('sends a random 32-hex-digit nonce by default', async () => {
    const log: { url?: string } = {};
    const result = await verifyYubicoOtp(settings, makeOtp(PUBLIC_ID), {
      fetch: recordingFetch(log),
    });
    assert.equal(result.ok, true);
    assert.match(new URL(log.url ?? '').searchParams.get('nonce') ?? '', /^[0-9a-f]{32}$/);
  });

  it('refuses a replayed OTP as the server says', async () => {
    const otp = makeOtp(PUBLIC_ID);
    assert.equal((await verifyYubicoOtp(settings, otp)).ok, true);
    assert.deepEqual(failure(await verifyYubicoOtp(settings, otp)), {
      cause: 'yubico_rejected',
      reason: 'validation server answered REPLAYED_OTP',
    });
  });

  it('refuses an OTP of a key the server does not know', async () => {
    assert.deepEqual(failure(await verifyYubicoOtp(settings, makeOtp(UNKNOWN_ID))), {
      cause: 'yubico_rejected',
      reason: 'validation server answered BAD_OTP',
    });
  });

  it('reports an unknown client id, which the server cannot sign', async () => {
    assert.deepEqual(
      failure(await verifyYubicoOtp({ ...settings, id: '999' }, makeOtp(PUBLIC_ID))),
      {
        cause: 'yubico_rejected',
        reason: 'validation server answered NO_SUCH_CLIENT (unsigned)',
      },
    );
  });

  it('fails on the answer signature when the client has the wrong API key', async () => {
    const log: { body?: string } = {};
    const result = await verifyYubicoOtp({ ...settings, key: OTHER_KEY }, makeOtp(PUBLIC_ID), {
      fetch: recordingFetch(log),
    });
    // The server saw our bad request signature, and its answer is signed with the right key.
    assert.match(log.body ?? '', /\r\nstatus=BAD_SIGNATURE\r\n/);
    const host = new URL(server.url).host;
    assert.deepEqual(failure(result), {
      cause: 'yubico_bad_signature',
      reason: `validation server ${host}: answer is not signed with the realm key (it says BAD_SIGNATURE, unverified); check the realm's id and key`,
    });
  });

  it('refuses an OK answer signed with another key', async () => {
    server.setMode('bad-signature');
    try {
      const otp = makeOtp(PUBLIC_ID);
      const { cause, reason } = failure(await verifyYubicoOtp(settings, otp));
      assert.equal(cause, 'yubico_bad_signature');
      assert.match(reason, /it says OK, unverified/);
    } finally {
      server.setMode();
    }
  });

  it('refuses a signed answer about another OTP or another nonce', async () => {
    const nonce = 'abcdefABCDEF0123456789';
    try {
      server.setMode('tamper-otp');
      const otp = makeOtp(PUBLIC_ID);
      const tamperedOtp = failure(await verifyYubicoOtp(settings, otp, { nonce }));
      assert.equal(tamperedOtp.cause, 'yubico_mismatch');
      assert.match(
        tamperedOtp.reason,
        new RegExp(`: answer otp "${PUBLIC_ID}[a-z]{32}", expected "${otp}"$`),
      );

      server.setMode('tamper-nonce');
      const tamperedNonce = failure(await verifyYubicoOtp(settings, makeOtp(PUBLIC_ID), { nonce }));
      assert.equal(tamperedNonce.cause, 'yubico_mismatch');
      assert.match(
        tamperedNonce.reason,
        new RegExp(`: answer nonce "[0-9a-f]{32}", expected "${nonce}"$`),
      );
    } finally {
      server.setMode();
    }
  });

  it('refuses a malformed OTP without asking the server', async () => {
    const before = server.requests;
    for (const otp of [
      '',
      'c'.repeat(31),
      'c'.repeat(49),
      `${makeOtp(PUBLIC_ID).slice(0, 43)}x`,
      'correct horse battery staple, definitely',
    ]) {
      assert.deepEqual(failure(await verifyYubicoOtp(settings, otp)), {
        cause: 'yubico_bad_otp',
        reason: `otp: expected 32 to 48 modhex characters, got ${otp.length} characters`,
      });
    }
    assert.equal(server.requests, before);
  });

  it('reports a server that drops the connection, fails, or is too slow', async () => {
    const host = new URL(server.url).host;
    try {
      server.setMode('down');
      const down = failure(await verifyYubicoOtp(settings, makeOtp(PUBLIC_ID)));
      assert.equal(down.cause, 'yubico_unreachable');
      assert.ok(down.reason.startsWith(`validation server ${host} unreachable: `), down.reason);

      server.setMode('http-error');
      assert.deepEqual(failure(await verifyYubicoOtp(settings, makeOtp(PUBLIC_ID))), {
        cause: 'yubico_unreachable',
        reason: `validation server ${host} answered HTTP 500, expected 200`,
      });

      server.setMode('hang');
      const started = Date.now();
      assert.deepEqual(
        failure(await verifyYubicoOtp(settings, makeOtp(PUBLIC_ID), { timeoutMs: 150 })),
        {
          cause: 'yubico_unreachable',
          reason: `validation server ${host} did not answer within 150 ms`,
        },
      );
      assert.ok(Date.now() - started < 2000);
    } finally {
      server.setMode();
    }
  });

  it('reports a server that is gone', async () => {
    const gone = await startYubicoServer({ clients: { '87': KEY }, keys: [PUBLIC_ID] });
    await gone.close();
    const host = new URL(gone.url).host;
    const { cause, reason } = failure(
      await verifyYubicoOtp({ ...settings, url: gone.url }, makeOtp(PUBLIC_ID)),
    );
    assert.equal(cause, 'yubico_unreachable');
    assert.match(reason, new RegExp(`^validation server ${host} unreachable: .*ECONNREFUSED`));
  });
});
