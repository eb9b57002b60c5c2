/**
 * Proxmox's api-flows.json replayed over HTTP against Tessera's API: 90-odd calls, each with
 * the caller, method, path and parameters Proxmox saw, compared with Proxmox's status,
 * message, parameter errors, data and the files it wrote. With Proxmox's own RSA key and
 * site key loaded and the clock frozen, tickets and CSRF tokens come out byte for byte.
 */
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/server.js';
import { csrfToken } from '../../src/auth/csrf.js';
import { serverKeys } from '../../src/auth/server-keys.js';
import { ticketTime } from '../../src/auth/sessions.js';
import { signTicket } from '../../src/auth/ticket.js';
import { parseDomainsCfg, serializeDomainsCfg } from '../../src/formats/domains-cfg.js';
import { parseUserCfg, serializeUserCfg } from '../../src/formats/user-cfg.js';
import { exportFiles, importPveDir } from '../../src/services/transfer.js';
import { KEYS } from '../../src/store/codec.js';
import { LiveAccess } from '../../src/store/live.js';
import { MemoryStore } from '../../src/store/memory.js';
import { readConformanceJson } from '../support/conformance.js';
import { makePveDir } from '../support/pve-dir.js';

interface Step {
  readonly authid: string | null;
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly params: Record<string, string | number>;
  readonly note: string;
  readonly result: {
    readonly status: number;
    readonly message?: string;
    readonly errors?: Record<string, string>;
    readonly data?: unknown;
    readonly changed_files?: Record<string, string | null>;
  };
}

const flows = readConformanceJson<{ files: Record<string, string>; now: number; steps: Step[] }>(
  'pve-access-control',
  'generated',
  'api-flows.json',
);
const NOW = flows.now;

/** Token secrets of the imported token.cfg, for calls made as a token. */
const TOKEN_SECRETS = new Map(
  (flows.files['priv/token.cfg'] ?? '')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split(' ') as [string, string]),
);

/** Values compared as Proxmox means them: Perl prints some numbers as strings, hash order is random. */
function normalize(value: unknown): unknown {
  if (Array.isArray(value))
    return value.map(normalize).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      // Token secrets are random UUIDs (the recording used stand-ins); a realm digest is
      // taken over Tessera's canonical domains.cfg, not the bytes of the original file.
      out[key] =
        key === 'value'
          ? '<secret>'
          : key === 'digest'
            ? '<digest>'
            : normalize((value as Record<string, unknown>)[key]);
    }
    return out;
  }
  return value;
}

describe('api-flows.json over HTTP', () => {
  const store = new MemoryStore();
  const dir = makePveDir(flows.files);
  let live: LiveAccess;
  let app: FastifyInstance;

  before(async () => {
    await importPveDir(store, dir.path);
    const ring = {
      current: { private: flows.files['priv/authkey.key'], created: NOW - 3600 },
      previous: {
        public: createPublicKey(flows.files['authkey.pub.old'] ?? '')
          .export({ type: 'spki', format: 'pem' })
          .toString(),
        created: NOW - 3600,
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
    app = await buildApi({ live, now: () => NOW, authFailureDelayMs: 0 });
  });
  after(async () => {
    await app.close();
    await live.close();
    dir.remove();
  });

  function headers(authid: string | null, method: string): Record<string, string> {
    if (authid === null) return {};
    if (authid.includes('!'))
      return { authorization: `PVEAPIToken=${authid}=${TOKEN_SECRETS.get(authid) ?? ''}` };
    const keys = serverKeys(live.snapshot);
    assert.ok(keys);
    // Each step comes from a session of its caller: after a password change revoked the older
    // ones (Tessera, not Proxmox), from a new login, dated as a login would date it.
    const issued = ticketTime(live.snapshot, authid, NOW);
    return {
      cookie: `PVEAuthCookie=${encodeURIComponent(signTicket(keys.ring, 'PVE', authid, issued))}`,
      ...(method !== 'GET'
        ? { csrfpreventiontoken: csrfToken(keys.csrfSecret, authid, issued) }
        : {}),
    };
  }

  for (const [index, step] of flows.steps.entries()) {
    it(`step ${String(index)}: ${step.authid ?? '(anonymous)'} ${step.method} ${step.path} (${step.note})`, async () => {
      const form = new URLSearchParams(
        Object.entries(step.params).map(([k, v]): [string, string] => [k, String(v)]),
      ).toString();
      const response = await app.inject({
        method: step.method,
        url: `/api2/json${step.path}${step.method === 'GET' && form !== '' ? `?${form}` : ''}`,
        headers: {
          ...headers(step.authid, step.method),
          ...(step.method !== 'GET' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        ...(step.method !== 'GET' ? { payload: form } : {}),
      });
      const body = JSON.parse(response.body) as {
        data: unknown;
        message?: string;
        errors?: Record<string, string>;
      };
      const expected = step.result;
      assert.equal(response.headers['content-type'], 'application/json;charset=UTF-8');
      assert.equal(response.statusCode, expected.status, response.body);
      if (expected.status !== 200) {
        assert.equal(body.message, expected.message);
        if (expected.errors) assert.deepEqual(normalize(body.errors), normalize(expected.errors));
        return;
      }
      assert.deepEqual(normalize(body.data), normalize(expected.data ?? null));
      const { files } = exportFiles(live.snapshot);
      for (const [file, text] of Object.entries(expected.changed_files ?? {})) {
        if (text === null) continue;
        if (file === 'user.cfg')
          assert.equal(files.get(file), serializeUserCfg(parseUserCfg(text).value), file);
        if (file === 'domains.cfg')
          assert.equal(files.get(file), serializeDomainsCfg(parseDomainsCfg(text).value), file);
      }
    });
  }
});
