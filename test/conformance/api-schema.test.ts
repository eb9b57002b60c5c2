/**
 * Walks Proxmox VE's API schema for `/access` (pve-access-control 9.1) and `/pools`
 * (pve-manager, 8.1+), as the reference Perl modules register it, and fails on every method
 * or parameter Tessera lacks, on a type or optionality that differs where both state one,
 * and on a method that is open to the world (or closed to API tokens) on one side only.
 * What does not apply to a stand-alone server is listed below with its reason, and in
 * docs/compatibility.md.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { RegisteredRoute } from '../../src/api/app.js';
import { apiRoutes, buildApi } from '../../src/api/server.js';
import { LiveAccess } from '../../src/store/live.js';
import { MemoryStore } from '../../src/store/memory.js';
import { fastifyPath, proxmoxApiSchema, type ProxmoxMethod } from '../support/api-schema.js';
import { repoRoot } from '../support/conformance.js';

/** A method, or one parameter of it, that a stand-alone server does not offer. */
interface NotApplicable {
  readonly method: ProxmoxMethod['method'];
  /** Proxmox's spelling: `/access/users/{userid}`. */
  readonly path: string;
  /** Absent: the whole method. */
  readonly parameter?: string;
  readonly reason: string;
}

/**
 * Kept short: every entry is a row of docs/compatibility.md's table "Proxmox API methods
 * Tessera leaves out", and an entry for something Tessera offers after all fails the test.
 */
const NOT_APPLICABLE: readonly NotApplicable[] = [];

const key = (method: string, path: string): string => `${method} ${path}`;

function isNotApplicable(method: ProxmoxMethod, parameter?: string): boolean {
  return NOT_APPLICABLE.some(
    (n) => n.method === method.method && n.path === method.path && n.parameter === parameter,
  );
}

/** Every difference between Proxmox's schema and Tessera's registered methods, in words. */
function differences(
  proxmox: readonly ProxmoxMethod[],
  tessera: readonly RegisteredRoute[],
): string[] {
  const routes = new Map(tessera.map((r) => [key(r.method, r.path), r]));
  const out: string[] = [];
  for (const method of proxmox) {
    const name = key(method.method, method.path);
    const route = routes.get(key(method.method, fastifyPath(method.path)));
    if (!route) {
      if (!isNotApplicable(method)) out.push(`${name}: missing (${method.name})`);
      continue;
    }
    const world = (method.permissions as { user?: string } | null)?.user === 'world';
    if (world !== route.open)
      out.push(`${name}: ${world ? 'open to the world' : 'authenticated'} in Proxmox`);
    if (!world && method.allowtoken !== route.tokens)
      out.push(`${name}: API tokens ${method.allowtoken ? 'allowed' : 'refused'} in Proxmox`);
    for (const [parameter, spec] of Object.entries(method.parameters)) {
      const ours = route.schema[parameter];
      if (!ours) {
        if (!isNotApplicable(method, parameter))
          out.push(`${name}: parameter '${parameter}' missing`);
        continue;
      }
      if (spec.type !== undefined && spec.type !== ours.type)
        out.push(`${name}: '${parameter}' is ${ours.type}, Proxmox: ${spec.type}`);
      if (spec.optional !== (ours.optional === true))
        out.push(
          `${name}: '${parameter}' is ${ours.optional === true ? 'optional' : 'required'}, Proxmox: ${spec.optional ? 'optional' : 'required'}`,
        );
    }
  }
  return out;
}

describe("Proxmox VE's API schema (/access, /pools), walked", () => {
  let proxmox: readonly ProxmoxMethod[] = [];
  let live: LiveAccess;
  let app: FastifyInstance;
  let tessera: readonly RegisteredRoute[] = [];

  before(async () => {
    proxmox = proxmoxApiSchema();
    live = await LiveAccess.open(new MemoryStore());
    app = await buildApi({ live, authFailureDelayMs: 0, throttle: false });
    tessera = apiRoutes(app);
  });
  after(async () => {
    await app.close();
    await live.close();
  });

  it('reads the whole tree from the reference modules', () => {
    const paths = new Set(proxmox.map((m) => m.path));
    for (const path of [
      '/access/users/{userid}/token/{tokenid}',
      '/access/domains/{realm}/sync',
      '/access/tfa/{userid}/{id}',
      '/access/openid/login',
      '/access/vncticket',
      '/pools',
      '/pools/{poolid}',
    ])
      assert.ok(paths.has(path), path);
    assert.ok(proxmox.length >= 50, String(proxmox.length));
    const update = proxmox.find((m) => m.method === 'PUT' && m.path === '/pools');
    assert.equal(update?.parameters['allow-move']?.type, 'boolean');
    assert.equal(update.parameters['allow-move'].optional, true);
  });

  it('finds every method and parameter in Tessera, with the same types and optionality', () => {
    assert.deepEqual(differences(proxmox, tessera), []);
  });

  it('would report a missing method, parameter, type, optionality and openness', () => {
    const changed = tessera
      .filter((r) => !(r.method === 'DELETE' && r.path === '/pools'))
      .map((r) => {
        if (r.method === 'PUT' && r.path === '/pools') {
          const schema = Object.fromEntries(
            Object.entries(r.schema).filter(([name]) => name !== 'allow-move'),
          );
          return { ...r, schema };
        }
        if (r.method === 'GET' && r.path === '/pools')
          return { ...r, schema: { ...r.schema, poolid: { type: 'integer' as const } } };
        if (r.method === 'POST' && r.path === '/access/vncticket') return { ...r, open: false };
        return r;
      });
    assert.deepEqual(differences(proxmox, changed).sort(), [
      'DELETE /pools: missing (delete_pool)',
      "GET /pools: 'poolid' is integer, Proxmox: string",
      "GET /pools: 'poolid' is required, Proxmox: optional",
      'POST /access/vncticket: open to the world in Proxmox',
      "PUT /pools: parameter 'allow-move' missing",
    ]);
  });

  it('leaves out only what is documented, and only what is still left out', () => {
    const doc = readFileSync(join(repoRoot, 'docs', 'compatibility.md'), 'utf8');
    const routes = new Set(tessera.map((r) => key(r.method, r.path)));
    for (const n of NOT_APPLICABLE) {
      const row = `| \`${n.method} ${n.path}\` | ${n.parameter === undefined ? '' : `\`${n.parameter}\``} |`;
      assert.ok(doc.includes(row), `docs/compatibility.md has no row ${row}`);
      const route = tessera.find((r) => r.method === n.method && r.path === fastifyPath(n.path));
      if (n.parameter === undefined)
        assert.ok(!routes.has(key(n.method, fastifyPath(n.path))), `${n.method} ${n.path} exists`);
      else assert.equal(route?.schema[n.parameter], undefined, `${n.path}: ${n.parameter} exists`);
    }
  });
});
