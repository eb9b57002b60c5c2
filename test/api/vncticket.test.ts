/**
 * `POST /access/vncticket` against Proxmox: VNC tickets made by the reference oracle with
 * Proxmox's own key (imported into Tessera), checked by Tessera and by the oracle's API
 * call, for the right and the wrong user, path, port, privileges, age and spelling.
 */
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/server.js';
import { importPveDir } from '../../src/services/transfer.js';
import { KEYS } from '../../src/store/codec.js';
import { LiveAccess } from '../../src/store/live.js';
import { MemoryStore } from '../../src/store/memory.js';
import { runOracle } from '../support/api-schema.js';
import { readConformanceJson } from '../support/conformance.js';
import { makePveDir } from '../support/pve-dir.js';

const flows = readConformanceJson<{ files: Record<string, string>; now: number }>(
  'pve-access-control',
  'generated',
  'api-flows.json',
);
const NOW = flows.now;
const KEY_MTIME = NOW - 3600;

interface Ticket {
  readonly authid: string;
  readonly path: string;
  readonly port?: number;
}
interface Check {
  readonly name: string;
  readonly ticket: Ticket;
  readonly params: Record<string, string | number>;
  /** Seconds after the ticket was made. */
  readonly later?: number;
  /** Changes the ticket as a client might send it. */
  readonly spell?: (ticket: string) => string;
  /** Where Tessera answers differently on purpose (docs/compatibility.md): its status. */
  readonly tessera?: number;
}

const bobConsole: Ticket = { authid: 'bob@pve', path: '/vms/100', port: 5900 };
const CHECKS: Check[] = [
  { name: 'valid', ticket: bobConsole, params: { privs: 'VM.Console' } },
  { name: 'two privileges', ticket: bobConsole, params: { privs: 'VM.Console,VM.Audit' } },
  { name: 'privilege not held', ticket: bobConsole, params: { privs: 'VM.Allocate' } },
  { name: 'unknown privilege', ticket: bobConsole, params: { privs: 'VM.Everything' } },
  { name: 'no privilege', ticket: bobConsole, params: { privs: '' } },
  { name: 'other port', ticket: bobConsole, params: { privs: 'VM.Console', port: 5901 } },
  { name: 'no port', ticket: bobConsole, params: { privs: 'VM.Console', port: '' } },
  { name: 'other path', ticket: bobConsole, params: { privs: 'VM.Console', path: '/vms/101' } },
  { name: 'other user', ticket: bobConsole, params: { privs: 'VM.Console', authid: 'alice@pve' } },
  { name: '39 s old', ticket: bobConsole, params: { privs: 'VM.Console' }, later: 39 },
  { name: '40 s old', ticket: bobConsole, params: { privs: 'VM.Console' }, later: 40 },
  { name: 'from 21 s ahead', ticket: bobConsole, params: { privs: 'VM.Console' }, later: -21 },
  {
    name: 'behind an 8-character prefix',
    ticket: bobConsole,
    params: { privs: 'VM.Console' },
    spell: (t) => `PVEVNC12:${t}`,
  },
  {
    name: 'a signature spelled as Proxmox never writes it (one spelling per ticket)',
    ticket: bobConsole,
    params: { privs: 'VM.Console' },
    spell: (t) => `${t}A`,
    tessera: 401,
  },
  {
    name: 'a signature of another ticket',
    ticket: bobConsole,
    params: { privs: 'VM.Console' },
    spell: (t) =>
      t.replace(/^PVEVNC:[0-9A-F]{8}/, `PVEVNC:${(NOW - 1).toString(16).toUpperCase()}`),
  },
  {
    name: 'path spelled differently',
    ticket: { authid: 'bob@pve', path: '/vms//100/' },
    params: { privs: 'VM.Console', path: '/vms/100' },
  },
  {
    name: 'token',
    ticket: { authid: 'alice@pve!ci', path: '/vms/100' },
    params: { privs: 'VM.Audit' },
  },
  {
    name: 'token beyond its privileges',
    ticket: { authid: 'alice@pve!ci', path: '/vms/100' },
    params: { privs: 'VM.Console' },
  },
];

function request(check: Check, ticket: string): Record<string, string | number> {
  const params: Record<string, string | number> = {
    authid: check.ticket.authid,
    path: check.ticket.path,
    vncticket: check.spell ? check.spell(ticket) : ticket,
    ...(check.ticket.port !== undefined ? { port: check.ticket.port } : {}),
    ...check.params,
  };
  if (params['port'] === '') delete params['port'];
  return params;
}

/** Tickets made by Proxmox at NOW, and Proxmox's answer to each check. */
function proxmox(): {
  tickets: string[];
  answers: { status: number; message?: string; errors?: unknown }[];
} {
  const made = runOracle({
    files: flows.files,
    now: NOW,
    key_mtime: KEY_MTIME,
    queries: CHECKS.map((c) => ({ op: 'vnc_assemble', ...c.ticket })),
  }) as { ticket: string }[];
  const tickets = made.map((m) => m.ticket);
  const answers = runOracle({
    files: flows.files,
    key_mtime: KEY_MTIME,
    queries: CHECKS.map((c, i) => ({
      op: 'api',
      method: 'POST',
      path: '/access/vncticket',
      now: NOW + (c.later ?? 0),
      params: request(c, tickets[i] ?? ''),
    })),
  }) as { status: number; message?: string; errors?: unknown }[];
  return { tickets, answers };
}

describe('POST /access/vncticket as Proxmox answers it', () => {
  const store = new MemoryStore();
  const dir = makePveDir(flows.files);
  let live: LiveAccess;
  let app: FastifyInstance;
  let clock = NOW;
  let reference: ReturnType<typeof proxmox>;

  before(async () => {
    reference = proxmox();
    await importPveDir(store, dir.path);
    const ring = {
      current: { private: flows.files['priv/authkey.key'], created: KEY_MTIME },
      previous: {
        public: createPublicKey(flows.files['authkey.pub.old'] ?? '')
          .export({ type: 'spki', format: 'pem' })
          .toString(),
        created: KEY_MTIME,
      },
    };
    await store.transact(
      [],
      [
        { op: 'put', key: KEYS.serverKey('ticket'), value: JSON.stringify(ring) },
        {
          op: 'put',
          key: KEYS.serverKey('csrf'),
          value: JSON.stringify({
            key: Buffer.from(flows.files['pve-www.key'] ?? '').toString('base64'),
          }),
        },
      ],
    );
    live = await LiveAccess.open(store);
    app = await buildApi({ live, now: () => clock, authFailureDelayMs: 0, throttle: false });
  });
  after(async () => {
    await app.close();
    await live.close();
    dir.remove();
  });

  it('accepts some tickets and refuses others (the reference agrees on both)', () => {
    const statuses = reference.answers.map((a) => a.status);
    assert.ok(statuses.includes(200) && statuses.includes(401), JSON.stringify(statuses));
  });

  for (const [i, check] of CHECKS.entries()) {
    it(check.name, async () => {
      clock = NOW + (check.later ?? 0);
      const want = reference.answers[i];
      assert.ok(want);
      const response = await app.inject({
        method: 'POST',
        url: '/api2/json/access/vncticket',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams(
          Object.entries(request(check, reference.tickets[i] ?? '')).map(
            ([k, v]): [string, string] => [k, String(v)],
          ),
        ).toString(),
      });
      if (check.tessera !== undefined) {
        assert.notEqual(want.status, check.tessera, 'no longer different');
        assert.equal(response.statusCode, check.tessera, response.body);
        return;
      }
      assert.equal(response.statusCode, want.status, response.body);
      const body = JSON.parse(response.body) as {
        data: unknown;
        message?: string;
        errors?: unknown;
      };
      if (want.status === 200) assert.equal(body.data, null);
      else assert.equal(body.message, want.message);
      if (want.status === 400) assert.deepEqual(body.errors, want.errors);
    });
  }
});
