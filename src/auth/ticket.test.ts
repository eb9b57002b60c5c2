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
  });
});
