/**
 * The pools API over HTTP against Proxmox's own `PVE::API2::Pool` (pve-manager, run by
 * test/support/api-schema/pool-oracle.pl): the same calls, by the same users, on the same
 * user.cfg; status, message, parameter errors and the resulting user.cfg must agree. The
 * few places where Tessera is deliberately different (docs/compatibility.md) are listed
 * with Tessera's answer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/server.js';
import { csrfToken } from '../../src/auth/csrf.js';
import { serverKeys } from '../../src/auth/server-keys.js';
import { signTicket } from '../../src/auth/ticket.js';
import { parseUserCfg, serializeUserCfg } from '../../src/formats/user-cfg.js';
import { liveContext } from '../../src/services/context.js';
import { ensureServerKeys } from '../../src/services/server-keys.js';
import { exportFiles, importPveDir } from '../../src/services/transfer.js';
import { LiveAccess } from '../../src/store/live.js';
import { MemoryStore } from '../../src/store/memory.js';
import { runReferencePerl } from '../support/api-schema.js';
import { makePveDir } from '../support/pve-dir.js';

const USER_CFG = [
  'user:root@pam:1:0::::::',
  'user:alice@pve:1:0::::::',
  'user:bob@pve:1:0::::::',
  'user:carol@pve:1:0::::::',
  'pool:web::100,101:local:',
  'pool:db:databases:200::',
  'pool:ops::::',
  'pool:ops/team::300::',
  // alice administers pools web and ops (and its sub-pools) and may move VMs 100-300
  'acl:1:/pool/ops:alice@pve:PVEPoolAdmin:',
  'acl:1:/pool/web:alice@pve:PVEPoolAdmin:',
  'acl:1:/vms/100:alice@pve:PVEVMAdmin:',
  'acl:1:/vms/200:alice@pve:PVEVMAdmin:',
  'acl:1:/vms/300:alice@pve:PVEVMAdmin:',
  'acl:1:/vms/400:alice@pve:PVEVMAdmin:',
  'acl:1:/storage/nfs:alice@pve:PVEDatastoreAdmin:',
  // bob may only look at pool db; carol holds nothing
  'acl:1:/pool/db:bob@pve:PVEPoolUser:',
  '',
].join('\n');

interface Step {
  readonly authid: string;
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly params?: Record<string, string | number>;
  /** Where Tessera answers differently on purpose: its answer, and why. */
  readonly tessera?: { readonly status: number; readonly message: string; readonly why: string };
}

const STEPS: Step[] = [
  // nested ids: the parent must exist, three levels at most, names start with a letter
  { authid: 'root@pam', method: 'POST', path: '/pools', params: { poolid: 'ops/team/x' } },
  { authid: 'root@pam', method: 'POST', path: '/pools', params: { poolid: 'ops/none/x' } },
  { authid: 'root@pam', method: 'POST', path: '/pools', params: { poolid: 'ops/team/x/y' } },
  { authid: 'root@pam', method: 'POST', path: '/pools', params: { poolid: 'ops/1st' } },
  { authid: 'root@pam', method: 'POST', path: '/pools', params: { poolid: '9lives' } },
  { authid: 'root@pam', method: 'POST', path: '/pools', params: { poolid: 'ops/team' } },
  { authid: 'alice@pve', method: 'POST', path: '/pools', params: { poolid: 'ops/qa' } },
  { authid: 'alice@pve', method: 'POST', path: '/pools', params: { poolid: 'dev' } },
  // listing: Pool.Audit on each pool
  { authid: 'alice@pve', method: 'GET', path: '/pools' },
  { authid: 'bob@pve', method: 'GET', path: '/pools' },
  { authid: 'carol@pve', method: 'GET', path: '/pools' },
  { authid: 'root@pam', method: 'GET', path: '/pools', params: { type: 'qemu' } },
  { authid: 'root@pam', method: 'GET', path: '/pools', params: { poolid: 'web', type: 'vm' } },
  { authid: 'root@pam', method: 'GET', path: '/pools', params: { poolid: 'nope' } },
  {
    authid: 'carol@pve',
    method: 'GET',
    path: '/pools',
    params: { poolid: 'db' },
    tessera: {
      status: 403,
      message: 'Permission check failed (/pool/db, Pool.Audit)\n',
      why: 'Proxmox checks Pool.Audit here and ignores the answer',
    },
  },
  // update: VMs and storage, add and remove, allow-move
  { authid: 'alice@pve', method: 'PUT', path: '/pools', params: { poolid: 'web', vms: '400' } },
  { authid: 'alice@pve', method: 'PUT', path: '/pools', params: { poolid: 'web', vms: '400' } },
  { authid: 'alice@pve', method: 'PUT', path: '/pools', params: { poolid: 'web', vms: '300' } },
  {
    authid: 'alice@pve',
    method: 'PUT',
    path: '/pools',
    params: { poolid: 'web', vms: '300', 'allow-move': 1 },
  },
  {
    authid: 'alice@pve',
    method: 'PUT',
    path: '/pools',
    params: { poolid: 'web', vms: '200', 'allow-move': 1 },
    tessera: {
      status: 403,
      message: 'Permission check failed (/pool/db, Pool.Allocate)\n',
      why: 'Proxmox turns a refused permission inside its lock into a 500',
    },
  },
  {
    authid: 'alice@pve',
    method: 'PUT',
    path: '/pools',
    params: { poolid: 'web', vms: '500' },
    tessera: {
      status: 403,
      message: 'Permission check failed (/vms/500, Permissions.Modify|VM.Allocate)\n',
      why: 'Proxmox turns a refused permission inside its lock into a 500',
    },
  },
  { authid: 'alice@pve', method: 'PUT', path: '/pools', params: { poolid: 'db', vms: '100' } },
  { authid: 'root@pam', method: 'PUT', path: '/pools', params: { poolid: 'web', vms: '99' } },
  { authid: 'root@pam', method: 'PUT', path: '/pools', params: { poolid: 'web', storage: '1x!' } },
  { authid: 'root@pam', method: 'PUT', path: '/pools', params: { poolid: 'gone', vms: '100' } },
  {
    authid: 'alice@pve',
    method: 'PUT',
    path: '/pools',
    params: { poolid: 'web', storage: 'nfs', comment: 'front ends' },
  },
  { authid: 'alice@pve', method: 'PUT', path: '/pools', params: { poolid: 'web', storage: 'nfs' } },
  {
    authid: 'alice@pve',
    method: 'PUT',
    path: '/pools',
    params: { poolid: 'web', vms: '100,400', delete: 1 },
  },
  {
    authid: 'alice@pve',
    method: 'PUT',
    path: '/pools',
    params: { poolid: 'web', vms: '100', delete: 1 },
  },
  {
    authid: 'root@pam',
    method: 'PUT',
    path: '/pools',
    params: { poolid: 'web', storage: 'nfs', delete: 1 },
  },
  {
    authid: 'root@pam',
    method: 'PUT',
    path: '/pools',
    params: { poolid: 'web', storage: 'nfs', delete: 1 },
  },
  {
    authid: 'root@pam',
    method: 'PUT',
    path: '/pools',
    params: { poolid: 'ops/team', comment: '' },
  },
  { authid: 'root@pam', method: 'PUT', path: '/pools', params: { poolid: 'db', comment: '' } },
  // the deprecated methods with the pool id in the path
  { authid: 'root@pam', method: 'PUT', path: '/pools/ops', params: { vms: '500', comment: 'o' } },
  { authid: 'root@pam', method: 'PUT', path: '/pools/ops/team', params: { vms: '501' } },
  { authid: 'root@pam', method: 'GET', path: '/pools/nope' },
  { authid: 'root@pam', method: 'DELETE', path: '/pools/ops' },
  // deleting: empty pools only, sub-pools first
  { authid: 'alice@pve', method: 'DELETE', path: '/pools', params: { poolid: 'db' } },
  { authid: 'root@pam', method: 'DELETE', path: '/pools', params: { poolid: 'ops' } },
  { authid: 'root@pam', method: 'DELETE', path: '/pools', params: { poolid: 'ops/team/x' } },
  { authid: 'root@pam', method: 'DELETE', path: '/pools', params: { poolid: 'ops/team' } },
  {
    authid: 'root@pam',
    method: 'PUT',
    path: '/pools',
    params: { poolid: 'ops/team', vms: '300', delete: 1 },
  },
  { authid: 'root@pam', method: 'DELETE', path: '/pools', params: { poolid: 'ops/team' } },
  { authid: 'root@pam', method: 'DELETE', path: '/pools', params: { poolid: 'web' } },
  { authid: 'root@pam', method: 'DELETE', path: '/pools', params: { poolid: 'nope' } },
  { authid: 'root@pam', method: 'GET', path: '/pools' },
];

interface Answer {
  readonly status: number;
  readonly message?: string;
  readonly errors?: Record<string, string>;
  readonly data?: unknown;
  readonly user_cfg?: string;
}

/** Proxmox's answers: every guest and storage named above exists in its cluster. */
function proxmoxAnswers(): Answer[] {
  const guests = Object.fromEntries(
    ['100', '101', '200', '300', '400', '500', '501'].map((id) => [id, 'qemu']),
  );
  const out = runReferencePerl(
    'pool-oracle.pl',
    JSON.stringify({
      user_cfg: USER_CFG,
      guests,
      storage: ['local', 'nfs'],
      queries: STEPS.map(({ authid, method, path, params }) => ({
        authid,
        method,
        path,
        params: params ?? {},
      })),
    }),
  );
  return (JSON.parse(out) as { results: Answer[] }).results;
}

/** Proxmox's member ids (`qemu/100`, `storage/node1/local`) as Tessera names them. */
function tesseraMemberId(id: string): string {
  return id.replace(/^(qemu|lxc)\//, 'vms/').replace(/^storage\/[^/]+\//, 'storage/');
}

function membersOf(data: unknown): unknown {
  if (!Array.isArray(data)) return data;
  return data.map((entry: Record<string, unknown>) => ({
    ...entry,
    ...(Array.isArray(entry['members'])
      ? {
          members: (entry['members'] as { id: string }[]).map((m) => tesseraMemberId(m.id)).sort(),
        }
      : {}),
  }));
}

describe('the pools API, call by call as Proxmox VE answers', () => {
  const store = new MemoryStore();
  const dir = makePveDir({ 'user.cfg': USER_CFG });
  const now = Math.floor(Date.now() / 1000);
  let live: LiveAccess;
  let app: FastifyInstance;
  let expected: Answer[] = [];

  before(async () => {
    expected = proxmoxAnswers();
    await importPveDir(store, dir.path);
    live = await LiveAccess.open(store);
    await ensureServerKeys(liveContext(live), now - 100);
    app = await buildApi({ live, authFailureDelayMs: 0, throttle: false });
  });
  after(async () => {
    await app.close();
    await live.close();
    dir.remove();
  });

  const call = async (step: Step): Promise<{ status: number; body: Answer }> => {
    const keys = serverKeys(live.snapshot);
    assert.ok(keys);
    const form = new URLSearchParams(
      Object.entries(step.params ?? {}).map(([k, v]): [string, string] => [k, String(v)]),
    ).toString();
    const read = step.method === 'GET';
    const response = await app.inject({
      method: step.method,
      url: `/api2/json${step.path}${read && form !== '' ? `?${form}` : ''}`,
      headers: {
        cookie: `PVEAuthCookie=${encodeURIComponent(signTicket(keys.ring, 'PVE', step.authid, now))}`,
        ...(read
          ? {}
          : {
              csrfpreventiontoken: csrfToken(keys.csrfSecret, step.authid, now),
              'content-type': 'application/x-www-form-urlencoded',
            }),
      },
      ...(read ? {} : { payload: form }),
    });
    return { status: response.statusCode, body: JSON.parse(response.body) as Answer };
  };

  const canonical = (text: string): string => serializeUserCfg(parseUserCfg(text).value);
  let userCfg = canonical(USER_CFG);

  for (const [index, step] of STEPS.entries()) {
    const params = JSON.stringify(step.params ?? {});
    it(`step ${String(index)}: ${step.authid} ${step.method} ${step.path} ${params}`, async () => {
      const want = expected[index];
      assert.ok(want);
      const got = await call(step);
      if (want.user_cfg !== undefined) userCfg = canonical(want.user_cfg);
      assert.equal(exportFiles(live.snapshot).files.get('user.cfg'), userCfg, 'user.cfg');
      if (step.tessera) {
        assert.notEqual(
          want.status,
          step.tessera.status,
          `no longer different: ${step.tessera.why}`,
        );
        assert.equal(got.status, step.tessera.status, JSON.stringify(got.body));
        assert.equal(got.body.message, step.tessera.message);
        return;
      }
      assert.equal(
        got.status,
        want.status,
        `${JSON.stringify(got.body)} vs ${JSON.stringify(want)}`,
      );
      if (want.status === 501) return; // the wording of an unknown path is not the pools API's
      if (want.status !== 200) {
        assert.equal(got.body.message, want.message);
        assert.deepEqual(got.body.errors, want.errors);
        return;
      }
      assert.deepEqual(membersOf(got.body.data), membersOf(want.data ?? null));
    });
  }
});
