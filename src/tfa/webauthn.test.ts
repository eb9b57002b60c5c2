import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SoftAuthenticator } from '../../test/support/soft-authenticator.js';
import { fromCose, toCose } from './webauthn-credential.js';
import {
  authenticationOptions,
  registrationOptions,
  acceptedOrigins,
  relyingParty,
  verifyAuthentication,
  webauthnSettings,
  verifyRegistration,
  WebauthnError,
  type RelyingParty,
} from './webauthn.js';

const RP: RelyingParty = {
  id: 'pve.example.com',
  origin: 'https://pve.example.com:8006',
  name: 'pve.example.com',
};

async function registered(): Promise<{ key: SoftAuthenticator; stored: Record<string, unknown> }> {
  const key = new SoftAuthenticator(RP.origin);
  const options = await registrationOptions(RP, 'alice@pve', []);
  const stored = await verifyRegistration(RP, options.challenge, key.register(options));
  return { key, stored };
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof WebauthnError) return err.check;
    throw err;
  }
  assert.fail('accepted');
}

describe('WebAuthn relying party', () => {
  it('derives the origin from the request and refuses IP addresses', () => {
    assert.deepEqual(relyingParty({}, { protocol: 'https', host: 'pve.example.com:8006' }), RP);
    const unavailable = (rp: ReturnType<typeof relyingParty>): string =>
      'unavailable' in rp ? rp.unavailable : '';
    assert.match(
      unavailable(relyingParty({}, { protocol: 'https', host: '10.0.0.5:8006' })),
      /IP address/,
    );
    assert.deepEqual(
      relyingParty({ rpId: 'example.com' }, { protocol: 'https', host: 'pve.example.com' }),
      { id: 'example.com', origin: 'https://pve.example.com', name: 'example.com' },
    );
    assert.match(
      unavailable(
        relyingParty({ rpId: 'other.org' }, { protocol: 'https', host: 'pve.example.com' }),
      ),
      /does not match/,
    );
    // A configured origin wins over the Host header a client sent.
    assert.equal(
      (
        relyingParty(
          { origin: 'https://pve.example.com:8006' },
          { protocol: 'http', host: 'evil.test' },
        ) as RelyingParty
      ).origin,
      'https://pve.example.com:8006',
    );
  });
});

describe('WebAuthn settings of datacenter.cfg', () => {
  const datacenter = { rp: 'Lab', id: 'example.com', origin: 'https://pve.example.com:8006' };

  it("takes datacenter.cfg's settings, serve's options overriding them part by part", () => {
    assert.deepEqual(webauthnSettings({}, datacenter), {
      rpId: 'example.com',
      origin: 'https://pve.example.com:8006',
      rpName: 'Lab',
      allowSubdomains: true,
    });
    assert.deepEqual(
      webauthnSettings(
        { origin: 'https://tessera.example.com' },
        { ...datacenter, allowSubdomains: false },
      ),
      {
        rpId: 'example.com',
        origin: 'https://tessera.example.com',
        rpName: 'Lab',
        allowSubdomains: false,
      },
    );
    assert.deepEqual(webauthnSettings({ rpId: 'x.org' }, undefined), { rpId: 'x.org' });
    const rp = relyingParty(webauthnSettings({}, datacenter), { protocol: 'http', host: 'a.test' });
    assert.deepEqual(rp, {
      id: 'example.com',
      origin: 'https://pve.example.com:8006',
      name: 'Lab',
      subdomains: true,
    });
  });

  it('accepts a subdomain of the origin only with the same scheme and port', () => {
    const rp = { ...RP, subdomains: true };
    const answer = (origin: string): unknown => ({
      response: {
        clientDataJSON: Buffer.from(JSON.stringify({ type: 'webauthn.get', origin })).toString(
          'base64url',
        ),
      },
    });
    const sub = 'https://node1.pve.example.com:8006';
    assert.deepEqual(acceptedOrigins(rp, answer(sub)), [RP.origin, sub]);
    assert.deepEqual(acceptedOrigins(RP, answer(sub)), [RP.origin]);
    for (const other of [
      'https://node1.pve.example.com:8007',
      'http://node1.pve.example.com:8006',
      'https://evilpve.example.com:8006',
      'https://example.com:8006',
    ])
      assert.deepEqual(acceptedOrigins(rp, answer(other)), [RP.origin], other);
    assert.deepEqual(acceptedOrigins(rp, { response: { clientDataJSON: 'not json' } }), [
      RP.origin,
    ]);
  });
});

describe('WebAuthn ceremonies', () => {
  it('stores a registration in webauthn-rs form and reads it back as the same COSE key', async () => {
    const { key, stored } = await registered();
    assert.deepEqual(Object.keys(stored), [
      'cred_id',
      'cred',
      'counter',
      'user_verified',
      'backup_eligible',
      'backup_state',
      'registration_policy',
    ]);
    const cred = stored['cred'] as { type_: string; key: { EC_EC2: { curve: string } } };
    assert.equal(cred.type_, 'ES256');
    assert.equal(cred.key.EC_EC2.curve, 'SECP256R1');
    const back = toCose(stored);
    assert.equal(back.id, key.id);
    assert.deepEqual(Buffer.from(back.publicKey), Buffer.from(key.cosePublicKey));
    // Older files hold byte arrays instead of base64url.
    const ec = cred.key.EC_EC2 as unknown as { x: string; y: string };
    const legacy = {
      ...stored,
      cred_id: [...Buffer.from(key.id, 'base64url')],
      cred: {
        type_: 'ES256',
        key: {
          EC_EC2: {
            curve: 'SECP256R1',
            x: [...Buffer.from(ec.x, 'base64url')],
            y: [...Buffer.from(ec.y, 'base64url')],
          },
        },
      },
    };
    assert.deepEqual(toCose(legacy), back);
    assert.deepEqual(
      fromCose(back.id, back.publicKey, 0, { backupEligible: false, backupState: false }),
      stored,
    );
  });

  it('accepts a login and names the check that refuses a bad one', async () => {
    const { key, stored } = await registered();
    const options = await authenticationOptions(RP, [key.id]);
    const ok = await verifyAuthentication(RP, options.challenge, key.authenticate(options), stored);
    assert.equal(ok.counter, 1);
    const later = { ...stored, counter: 1 };

    assert.equal(
      await refusal(
        verifyAuthentication(
          RP,
          options.challenge,
          key.authenticate(options, 'https://evil.test'),
          later,
        ),
      ),
      'origin',
    );
    const other = await authenticationOptions(RP, [key.id]);
    assert.equal(
      await refusal(verifyAuthentication(RP, options.challenge, key.authenticate(other), later)),
      'challenge',
    );
    assert.equal(
      await refusal(
        verifyAuthentication(
          RP,
          options.challenge,
          key.authenticate({ ...options, rpId: 'evil.test' }),
          later,
        ),
      ),
      'rp_id',
    );
    const forged = key.authenticate(options);
    const response = forged['response'] as Record<string, string>;
    response['signature'] = Buffer.alloc(70, 1).toString('base64url');
    assert.equal(
      await refusal(verifyAuthentication(RP, options.challenge, forged, later)),
      'signature',
    );

    // A clone that counts from zero again.
    key.counter = 0;
    assert.equal(
      await refusal(
        verifyAuthentication(RP, options.challenge, key.authenticate(options), {
          ...stored,
          counter: 5,
        }),
      ),
      'counter',
    );
  });
});
