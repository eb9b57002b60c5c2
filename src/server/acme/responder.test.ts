import { strict as assert } from 'node:assert';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { ChallengeResponder } from './responder.js';

function get(
  port: number,
  path: string,
  method = 'GET',
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('ACME HTTP-01 responder', () => {
  const responder = new ChallengeResponder();
  let port = 0;
  before(async () => {
    port = (await responder.listen('127.0.0.1', 0)).port;
  });
  after(() => responder.close());

  it('answers the key authorization of a token in progress, and nothing once removed', async () => {
    responder.add('tok_en-1', 'tok_en-1.thumbprint');
    assert.deepEqual(await get(port, '/.well-known/acme-challenge/tok_en-1'), {
      status: 200,
      body: 'tok_en-1.thumbprint',
    });
    responder.remove('tok_en-1');
    assert.equal((await get(port, '/.well-known/acme-challenge/tok_en-1')).status, 404);
  });

  it('answers 404 to anything else', async () => {
    responder.add('abc', 'abc.key');
    for (const path of [
      '/',
      '/api2/json/version',
      '/.well-known/acme-challenge/',
      '/.well-known/acme-challenge/abc/',
      '/.well-known/acme-challenge/abc?x=1',
      '/.well-known/acme-challenge/../acme-challenge/abc',
    ])
      assert.deepEqual(await get(port, path), { status: 404, body: 'not found\n' }, path);
    assert.equal((await get(port, '/.well-known/acme-challenge/abc', 'POST')).status, 404);
    responder.remove('abc');
  });

  it('refuses a token that is not base64url', () => {
    assert.throws(() => {
      responder.add('a/b', 'x');
    }, /ACME challenge token 'a\/b' is not base64url/);
  });
});

describe('ACME HTTP-01 responder on a taken port', () => {
  it('names the address and the option', async () => {
    const first = new ChallengeResponder();
    const { port } = await first.listen('127.0.0.1', 0);
    try {
      await assert.rejects(
        new ChallengeResponder().listen('127.0.0.1', port),
        new RegExp(
          `^Error: the HTTP-01 responder cannot listen on 127\\.0\\.0\\.1:${String(port)} \\(--acme-http\\): listen EADDRINUSE`,
        ),
      );
    } finally {
      await first.close();
    }
  });
});
