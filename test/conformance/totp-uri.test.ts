/**
 * otpauth URI parsing and writing against Proxmox's Rust vectors (proxmox-rs totp.json).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { base32Encode } from '../../src/model/base32.js';
import { formatTotpUri, parseTotpUri, type TotpAlgorithm } from '../../src/model/totp-uri.js';
import { readConformanceJson } from '../support/conformance.js';

interface Vectors {
  uri_roundtrip: {
    secret_hex: string;
    digits: number;
    algorithm: TotpAlgorithm;
    period: number;
    account_name: string;
    issuer: string | null;
  }[];
  uri_parse: {
    uri: string;
    expected: {
      algorithm: string;
      period: number;
      digits: number;
      issuer: string;
      account_name: string;
      secret_base32_unpadded: string;
    };
  }[];
}

describe('proxmox-rs totp.json (otpauth URIs)', () => {
  const data = readConformanceJson<Vectors>('proxmox-rs', 'totp.json');
  for (const v of data.uri_roundtrip) {
    it(`round trip: ${v.account_name}`, () => {
      const totp = {
        secret: Buffer.from(v.secret_hex, 'hex'),
        digits: v.digits,
        algorithm: v.algorithm,
        period: v.period,
        account: v.account_name,
        ...(v.issuer !== null ? { issuer: v.issuer } : {}),
      };
      const parsed = parseTotpUri(formatTotpUri(totp));
      assert.equal(Buffer.from(parsed.secret).toString('hex'), v.secret_hex);
      assert.equal(parsed.account, v.account_name);
      assert.equal(parsed.issuer, v.issuer ?? undefined);
      assert.equal(parsed.digits, v.digits);
      assert.equal(parsed.period, v.period);
      assert.equal(parsed.algorithm, v.algorithm);
    });
  }
  for (const v of data.uri_parse) {
    it(`parse: ${v.uri}`, () => {
      const parsed = parseTotpUri(v.uri);
      assert.deepEqual(
        {
          algorithm: parsed.algorithm,
          period: parsed.period,
          digits: parsed.digits,
          issuer: parsed.issuer,
          account_name: parsed.account,
          secret_base32_unpadded: base32Encode(parsed.secret),
        },
        v.expected,
      );
    });
  }
  it('refuses unknown parameters, as Proxmox does', () => {
    assert.throws(
      () => parseTotpUri('otpauth://totp/a?secret=AA&image=x'),
      /unknown otpauth uri parameter 'image'/,
    );
    assert.throws(() => parseTotpUri('otpauth://totp/a?secret=AA&'), /parameter without value/);
    assert.throws(() => parseTotpUri('otpauth://totp/a?period=30'), /missing secret/);
    assert.throws(() => parseTotpUri('otpauth://totp/a?secret=AA&period=0'), /invalid period/);
  });
});
