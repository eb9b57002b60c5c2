import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTfaCfg, serializeTfaCfg } from './tfa-cfg.js';

const NOW = 1_700_000_000;

// A file in the shape Proxmox VE writes (compact JSON, no trailing newline).
const PROXMOX_FILE =
  '{"users":{"alice@pve":{' +
  '"totp":[{"id":"3f1c9a5e-0000-4000-8000-000000000001","description":"phone","created":1699990000,' +
  '"entry":{"totp":"otpauth://totp/Proxmox:alice%40pve?secret=JBSWY3DPEHPK3PXP&digits=6&algorithm=SHA1&period=30&issuer=Proxmox","last-count":56666667}}],' +
  '"webauthn":[{"id":"3f1c9a5e-0000-4000-8000-000000000002","description":"yubikey","created":1699990100,"enable":false,' +
  '"entry":{"cred_id":"AAEC","cred":{"type_":"ES256","key":{"EC_EC2":{"curve":"SECP256R1","x":"AQ","y":"Ag"}}},"counter":3,"backup_eligible":false,"backup_state":false}}],' +
  '"recovery":{"secret":"0123456789abcdef","entries":["fd37d359ffbd1fce921035c09a386ae02e67c6e39ea3b8f608777daed41756c4",null],"created":1699990200},' +
  '"totp-locked":true,"tfa-locked-until":1700003600},' +
  '"bob@pve":{"yubico":[{"id":"3f1c9a5e-0000-4000-8000-000000000003","description":"key","created":1699990300,"entry":"ccccccbcdefg"}]}}}';

describe('tfa.cfg', () => {
  it('rewrites a Proxmox file byte for byte', () => {
    const parsed = parseTfaCfg(PROXMOX_FILE, { now: NOW });
    assert.deepEqual(parsed.diagnostics, []);
    assert.equal(serializeTfaCfg(parsed.value), PROXMOX_FILE);
  });

  it('keeps an unused TOTP entry as a plain URI and canonicalises hand-written URIs', () => {
    const text =
      '{"users":{"a@pve":{"totp":[{"id":"x","created":1,"entry":"otpauth://totp/a%40pve?secret=jbswy3dpehpk3pxp===&period=30&algorithm=sha256"}]}}}';
    const parsed = parseTfaCfg(text, { now: NOW });
    assert.equal(
      serializeTfaCfg(parsed.value),
      '{"users":{"a@pve":{"totp":[{"id":"x","created":1,"entry":"otpauth://totp/a%40pve?secret=JBSWY3DPEHPK3PXP&digits=6&algorithm=SHA256&period=30"}]}}}',
    );
  });

  it('forgets a lock that is already over', () => {
    const text =
      '{"users":{"a@pve":{"recovery":{"secret":"00","entries":[],"created":1},"tfa-locked-until":1600000000}}}';
    assert.equal(
      serializeTfaCfg(parseTfaCfg(text, { now: NOW }).value),
      '{"users":{"a@pve":{"recovery":{"secret":"00","entries":[],"created":1}}}}',
    );
  });

  it('drops users with invalid ids and unknown fields, with an error', () => {
    const text =
      '{"users":{"nobody":{},"a@pve":{"foo":1},"b@pve":{"yubico":[{"id":"y","created":1,"entry":"cccccc"}]}}}';
    const parsed = parseTfaCfg(text, { now: NOW });
    assert.deepEqual(
      parsed.diagnostics.map((d) => `${d.severity}: ${d.message}`),
      [
        "error: user tfa config - ignore user 'nobody' - invalid user name",
        "error: user 'a@pve': unknown field 'foo'; the user's second factors are not loaded",
      ],
    );
    assert.deepEqual([...parsed.value.users.keys()], ['b@pve']);
  });

  it('refuses unknown fields in an entry, as Proxmox does', () => {
    const parsed = parseTfaCfg(
      '{"users":{"a@pve":{"yubico":[{"id":"y","created":1,"entry":"cccccc","color":"red"}]}}}',
      { now: NOW },
    );
    assert.deepEqual(
      parsed.diagnostics.map((d) => d.message),
      ["user 'a@pve' yubico[0]: unknown field 'color'; the user's second factors are not loaded"],
    );
  });

  it('ignores the webauthn and u2f settings blocks, with a warning', () => {
    const parsed = parseTfaCfg('{"webauthn":{"rp":"x","id":"x"},"users":{}}', { now: NOW });
    assert.equal(serializeTfaCfg(parsed.value), '{}');
    assert.equal(parsed.diagnostics[0]?.severity, 'warning');
  });

  it('reads the pre-2021 line format and converts it', () => {
    const oath = Buffer.from(
      JSON.stringify({ keys: 'JBSWY3DPEHPK3PXP notakey', config: { step: '60', digits: '8' } }),
    ).toString('base64');
    const yubico = Buffer.from(JSON.stringify({ keys: 'ccccccbcdefg' })).toString('base64');
    const parsed = parseTfaCfg(`# old\nalice@pve:oath:${oath}\nbob@pve:yubico:${yubico}\n`, {
      now: NOW,
    });
    assert.deepEqual(parsed.diagnostics, []);
    assert.equal(
      serializeTfaCfg(parsed.value),
      '{"users":{"alice@pve":{"totp":[{"id":"v1-entry","description":"<old version 1 entry>","created":0,' +
        '"entry":"otpauth://totp/Proxmox%20VE:Old%20key%20for%20alice%40pve?secret=JBSWY3DPEHPK3PXP&digits=8&algorithm=SHA1&period=60&issuer=Proxmox%20VE"}]},' +
        '"bob@pve":{"yubico":[{"id":"v1-entry","description":"<old version 1 entry>","created":0,"entry":"ccccccbcdefg"}]}}}',
    );
  });

  it('reports a file that is neither JSON nor the old format', () => {
    const parsed = parseTfaCfg('{not json', { now: NOW });
    assert.deepEqual(
      parsed.diagnostics.map((d) => d.message),
      ['failed to parse TFA file, neither old style nor valid json'],
    );
  });

  it('reads an empty file as no users and writes {}', () => {
    assert.equal(serializeTfaCfg(parseTfaCfg('', { now: NOW }).value), '{}');
  });
});
