/**
 * Tickets, CSRF tokens, VNC tickets and API tokens against Proxmox's own answers
 * (tickets.json: RSA test keys, a frozen clock, the key ages that drive the window).
 */
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { authenticateApiToken } from '../../src/auth/api-token.js';
import { AuthFailure } from '../../src/errors.js';
import { csrfSecret, verifyCsrfToken } from '../../src/auth/csrf.js';
import { verifyScopedTicket, verifyTicket, type TicketKeyRing } from '../../src/auth/ticket.js';
import { assemble } from '../../src/store/assemble.js';
import { PveDirStore } from '../../src/store/pve-dir.js';
import { readConformanceJson } from '../support/conformance.js';
import { makePveDir } from '../support/pve-dir.js';

interface Case {
  readonly op: string;
  readonly note?: string;
  readonly now: number;
  readonly ticket?: string;
  readonly key_mtime?: number;
  readonly old_key_mtime?: number;
  readonly tfa_aad?: string;
  readonly authid?: string;
  readonly path?: string;
  readonly port?: number;
  readonly token?: string;
  readonly userid?: string;
  readonly value?: string;
  readonly expected: {
    readonly result?: readonly (string | number | null)[];
    readonly ok?: boolean;
    readonly tokenid?: string;
    readonly error?: string;
  };
}

const vectors = readConformanceJson<{ files: Record<string, string>; cases: Case[] }>(
  'pve-access-control',
  'generated',
  'tickets.json',
);
const file = (name: string): string => vectors.files[name] ?? '';
const currentKey = createPublicKey(file('authkey.pub'));
const previousKey = createPublicKey(file('authkey.pub.old'));

function ring(c: Case): TicketKeyRing {
  const created = c.key_mtime ?? c.now - 3600;
  return {
    current: { publicKey: currentKey, created },
    previous: { publicKey: previousKey, created: c.old_key_mtime ?? created },
  };
}

const casesOf = (op: string): Case[] => vectors.cases.filter((c) => c.op === op);

describe('tickets.json', () => {
  it('has the vectors this test expects', () => {
    assert.deepEqual(
      ['verify_ticket', 'vnc_verify', 'csrf_verify', 'verify_token'].map(
        (op) => casesOf(op).length,
      ),
      [23, 4, 5, 6],
    );
  });

  for (const c of casesOf('verify_ticket')) {
    it(`verify_ticket: ${c.note ?? ''}`, () => {
      const result = verifyTicket(ring(c), c.ticket ?? '', {
        now: c.now,
        ...(c.tfa_aad !== undefined ? { secretData: c.tfa_aad } : {}),
      });
      const expected = c.expected.result ?? [];
      if (expected[0] === null) {
        assert.equal(result, undefined);
      } else if (c.tfa_aad !== undefined) {
        assert.equal(result?.data, `!tfa!${String(expected[0])}`);
      } else {
        assert.deepEqual([result?.data, result?.age], [expected[0], expected[1]]);
      }
    });
  }

  // Proxmox's decoder is lenient; Tessera takes only the spelling Proxmox's encoder writes.
  const accepted = casesOf('verify_ticket').filter(
    (c) => c.tfa_aad === undefined && c.expected.result?.[0] !== null,
  );
  it('verify_ticket: other spellings of accepted signatures are refused', () => {
    assert.ok(accepted.length > 0);
    for (const c of accepted) {
      const ticket = c.ticket ?? '';
      for (const spelled of [
        ticket.replace(/=+$/, ''),
        `${ticket}=`,
        `${ticket}A`,
        ticket.replaceAll('+', '-').replaceAll('/', '_'),
      ].filter((t) => t !== ticket))
        assert.equal(verifyTicket(ring(c), spelled, { now: c.now }), undefined, spelled);
    }
  });

  for (const [i, c] of casesOf('vnc_verify').entries()) {
    it(`vnc_verify #${String(i)}: ${c.path ?? ''} port ${String(c.port)} at ${String(c.now)}`, () => {
      const secretData = `${c.authid ?? ''}:${c.path ?? ''}${c.port !== undefined ? `:${String(c.port)}` : ''}`;
      const ok = verifyScopedTicket(ring(c), 'PVEVNC', c.ticket ?? '', {
        now: c.now,
        secretData,
        minAge: -20,
        maxAge: 40,
      });
      assert.equal(ok, c.expected.ok);
    });
  }

  const secret = csrfSecret(file('pve-www.key'));
  for (const [i, c] of casesOf('csrf_verify').entries()) {
    it(`csrf_verify #${String(i)}: ${c.userid ?? ''} at ${String(c.now)}`, () => {
      assert.equal(verifyCsrfToken(secret, c.userid ?? '', c.token ?? '', c.now), c.expected.ok);
    });
  }

  const dir = makePveDir({
    'user.cfg': file('user.cfg'),
    'priv/token.cfg': file('priv/token.cfg'),
  });
  after(() => {
    dir.remove();
  });
  for (const c of casesOf('verify_token')) {
    it(`verify_token: ${c.value ?? ''}`, async () => {
      const snapshot = assemble(await new PveDirStore(dir.path).snapshot());
      if (c.expected.tokenid !== undefined) {
        assert.equal(
          authenticateApiToken(snapshot, c.value ?? '', c.now).tokenid,
          c.expected.tokenid,
        );
      } else {
        assert.throws(
          () => authenticateApiToken(snapshot, c.value ?? '', c.now),
          (err) => err instanceof AuthFailure && `${err.message}\n` === c.expected.error,
        );
      }
    });
  }
});
