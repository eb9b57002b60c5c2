import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { csrfSecret, csrfToken, verifyCsrfToken } from './csrf.js';
import { signTicket, verifyTicket, type TicketKey, type TicketKeyRing } from './ticket.js';

function ed25519(created: number): TicketKey {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return { publicKey, privateKey, created };
}

const T = 1_800_000_000;

describe('Ed25519 tickets', () => {
  const ring: TicketKeyRing = { current: ed25519(T - 10_000) };

  it('round-trips a user ticket in Proxmox form', () => {
    const ticket = signTicket(ring, 'PVE', 'alice@pve', T);
    assert.match(ticket, /^PVE:alice@pve:6B49D200::[A-Za-z0-9+/]{86}==$/);
    assert.deepEqual(verifyTicket(ring, ticket, { now: T + 5 }), { data: 'alice@pve', age: 5 });
  });

  it('refuses tampered, expired, future and foreign tickets', () => {
    const ticket = signTicket(ring, 'PVE', 'alice@pve', T);
    assert.equal(verifyTicket(ring, ticket.replace('alice', 'alicf'), { now: T }), undefined);
    assert.equal(verifyTicket(ring, ticket, { now: T + 7199 })?.age, 7199);
    assert.equal(verifyTicket(ring, ticket, { now: T + 7200 }), undefined);
    assert.equal(verifyTicket(ring, ticket, { now: T - 299 })?.age, -299);
    assert.equal(verifyTicket(ring, ticket, { now: T - 300 }), undefined);
    const other: TicketKeyRing = { current: ed25519(T - 10_000) };
    assert.equal(verifyTicket(other, ticket, { now: T }), undefined);
  });

  it('binds partial tickets to their secret data and escapes only the colon', () => {
    const challenge = '!tfa!{"totp":true}';
    const ticket = signTicket(ring, 'PVE', challenge, T, 'alice@pve');
    assert.ok(ticket.startsWith('PVE:!tfa!{"totp"%3Atrue}:'));
    assert.equal(verifyTicket(ring, ticket, { now: T }), undefined);
    assert.equal(verifyTicket(ring, ticket, { now: T, secretData: 'bob@pve' }), undefined);
    assert.equal(verifyTicket(ring, ticket, { now: T, secretData: 'alice@pve' })?.data, challenge);
  });

  it('accepts tickets of the previous key issued before the rotation only', () => {
    const old = ed25519(T - 100_000);
    const before = signTicket({ current: old }, 'PVE', 'alice@pve', T - 100);
    const rotated: TicketKeyRing = { current: ed25519(T), previous: { ...old, created: T } };
    assert.equal(verifyTicket(rotated, before, { now: T + 50 })?.age, 150);
    const after = signTicket({ current: old }, 'PVE', 'alice@pve', T + 400);
    assert.equal(verifyTicket(rotated, after, { now: T + 500 }), undefined);
  });

  it('accepts only the canonical spelling of a signature', () => {
    // A signature with both '+' and '/' so that the URL-safe spelling differs.
    let t = T;
    let ticket = signTicket(ring, 'PVE', 'alice@pve', t);
    while (!/[+].*[/]|[/].*[+]/.test(ticket.split('::')[1] ?? '')) {
      t += 1;
      ticket = signTicket(ring, 'PVE', 'alice@pve', t);
    }
    const [plain = '', sig = ''] = ticket.split('::');
    assert.ok(verifyTicket(ring, ticket, { now: t }));
    const last = sig.slice(-3, -2);
    // 64 bytes end in one byte: its second character holds 2 bits and 4 that must be zero.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const dirty = alphabet[alphabet.indexOf(last) + 1] ?? '';
    const spellings = {
      'extra character': `${sig}A`,
      'extra characters before': `A${sig}`,
      'missing padding': sig.replace(/=+$/, ''),
      'one padding character': sig.slice(0, -1),
      'extra padding': `${sig}=`,
      'URL-safe alphabet': sig.replaceAll('+', '-').replaceAll('/', '_'),
      'non-zero trailing bits': `${sig.slice(0, -3)}${dirty}==`,
      'inner whitespace': `${sig.slice(0, 40)} ${sig.slice(40)}`,
      'trailing newline': `${sig}\n`,
      'percent-encoded': sig.replaceAll('+', '%2B'),
      'padding inside': `${sig.slice(0, 4)}=${sig.slice(5)}`,
    };
    for (const [what, spelled] of Object.entries(spellings)) {
      assert.notEqual(spelled, sig, what);
      assert.equal(verifyTicket(ring, `${plain}::${spelled}`, { now: t }), undefined, what);
    }
  });

  it('refuses a ticket older than the key that signed it', () => {
    const fresh: TicketKeyRing = { current: ed25519(T) };
    const backdated = signTicket(fresh, 'PVE', 'alice@pve', T - 1000);
    assert.equal(verifyTicket(fresh, backdated, { now: T + 10 }), undefined);
  });
});

describe('CSRF tokens', () => {
  it('verify for their user within the window only', () => {
    const secret = csrfSecret('site key\n');
    const token = csrfToken(secret, 'alice@pve', T);
    assert.match(token, /^6B49D200:[A-Za-z0-9+/]{43}$/);
    assert.ok(verifyCsrfToken(secret, 'alice@pve', token, T + 7199));
    assert.ok(!verifyCsrfToken(secret, 'alice@pve', token, T + 7200));
    assert.ok(!verifyCsrfToken(secret, 'bob@pve', token, T));
    assert.ok(!verifyCsrfToken(csrfSecret('other'), 'alice@pve', token, T));
    // Only the exact spelling: the digest is compared as text, not decoded.
    for (const spelled of [
      `${token}=`,
      `${token}A`,
      token.replaceAll('+', '-').replaceAll('/', '_'),
    ])
      if (spelled !== token) assert.ok(!verifyCsrfToken(secret, 'alice@pve', spelled, T), spelled);
  });
});
