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
import type { ReturnsSchema } from '../../src/api/operation.js';
import type { ParamSpec } from '../../src/api/params.js';
import { typeText } from '../../src/cli/pveum/usage.js';

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

/** Where two `returns` schemas differ in property names, types or optionality, in words. */
function returnsDifferences(where: string, ours: ReturnsSchema, theirs: unknown): string[] {
  const proxmox = (theirs ?? {}) as ReturnsSchema;
  const out: string[] = [];
  if (ours.type !== undefined && proxmox.type !== undefined && ours.type !== proxmox.type)
    out.push(`${where} is ${ours.type}, Proxmox: ${proxmox.type}`);
  if (Boolean(ours.optional) !== Boolean(proxmox.optional))
    out.push(`${where} is ${ours.optional ? 'optional' : 'required'} only in Tessera`);
  if (ours.items !== undefined || proxmox.items !== undefined)
    out.push(...returnsDifferences(`${where}[]`, ours.items ?? {}, proxmox.items));
  const names = new Set([
    ...Object.keys(ours.properties ?? {}),
    ...Object.keys(proxmox.properties ?? {}),
  ]);
  for (const name of [...names].sort()) {
    const mine = ours.properties?.[name];
    const other = proxmox.properties?.[name];
    if (mine === undefined) out.push(`${where}.${name} missing`);
    else if (other === undefined) out.push(`${where}.${name} not in Proxmox`);
    else out.push(...returnsDifferences(`${where}.${name}`, mine, other));
  }
  return out;
}

/** Proxmox's `-list` formats: pveum lets such a parameter repeat. */
function isListFormat(format: unknown): boolean {
  return typeof format === 'string' && format.includes('-list');
}

/** Where a parameter's help metadata (list, default, type text) differs from Proxmox's. */
function docDifferences(
  where: string,
  spec: ProxmoxMethod['parameters'][string],
  ours: ParamSpec,
): string[] {
  const out: string[] = [];
  if (isListFormat(spec.format) !== (ours.list === true))
    out.push(
      `${where} is ${ours.list === true ? '' : 'not '}a list, Proxmox's format: ${String(spec.format)}`,
    );
  if (spec.default !== undefined || ours.default !== undefined) {
    const theirs =
      spec.default === undefined
        ? 'none'
        : typeof spec.default === 'string' || typeof spec.default === 'number'
          ? String(spec.default)
          : JSON.stringify(spec.default);
    const mine = ours.default === undefined ? 'none' : String(ours.default);
    if (theirs !== mine) out.push(`${where} defaults to ${mine}, Proxmox: ${theirs}`);
  }
  if (spec.typetext !== undefined && typeText(ours) !== spec.typetext)
    out.push(
      `${where} shows ${typeText(ours)}${ours.typetext === undefined ? ' (computed)' : ''}, Proxmox: ${spec.typetext}`,
    );
  return out;
}

/**
 * What the operations (routes with a `doc`) say of themselves that Proxmox's schema states
 * too: the method's name, what it returns, and of each parameter whether it is a list, its
 * default and the type text pveum's help shows.
 */
function metadataDifferences(
  proxmox: readonly ProxmoxMethod[],
  tessera: readonly RegisteredRoute[],
): string[] {
  const methods = new Map(proxmox.map((m) => [key(m.method, fastifyPath(m.path)), m]));
  const out: string[] = [];
  for (const route of tessera) {
    const method = methods.get(key(route.method, route.path));
    if (route.doc === undefined || method === undefined) continue;
    const name = key(method.method, method.path);
    if (route.doc.name !== method.name)
      out.push(`${name}: named ${route.doc.name}, Proxmox: ${method.name}`);
    if (route.doc.returns !== undefined)
      out.push(...returnsDifferences(`${name}: returns`, route.doc.returns, method.returns));
    for (const [parameter, spec] of Object.entries(method.parameters)) {
      const ours = route.schema[parameter];
      if (ours !== undefined) out.push(...docDifferences(`${name}: '${parameter}'`, spec, ours));
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

  it("names each operation as Proxmox does, and returns, lists, defaults and type texts as Proxmox's", () => {
    assert.deepEqual(metadataDifferences(proxmox, tessera), []);
  });

  it('would report a wrong name, returns schema, list, default and type text', () => {
    const changed = tessera.map((r): RegisteredRoute => {
      if (r.doc === undefined) return r;
      if (r.method === 'GET' && r.path === '/access/users') {
        const items = r.doc.returns?.items;
        const properties = Object.fromEntries(
          Object.entries(items?.properties ?? {}).filter(([name]) => name !== 'userid'),
        );
        return {
          ...r,
          doc: {
            ...r.doc,
            returns: {
              type: 'array',
              items: { ...items, properties: { ...properties, email: { type: 'integer' } } },
            },
          },
        };
      }
      if (r.method === 'POST' && r.path === '/access/users') {
        const { groups, enable, keys, expire } = r.schema;
        return {
          ...r,
          doc: { ...r.doc, name: 'add_user' },
          schema: {
            ...r.schema,
            ...(groups ? { groups: { ...groups, list: false } } : {}),
            ...(enable ? { enable: { ...enable, default: 0 } } : {}),
            ...(keys ? { keys: { ...keys, typetext: '<string>' } } : {}),
            ...(expire ? { expire: { type: 'integer', optional: true } as const } : {}),
          },
        };
      }
      if (r.method === 'PUT' && r.path === '/access/acl') {
        const { path } = r.schema;
        return {
          ...r,
          schema: { ...r.schema, ...(path ? { path: { ...path, list: true } } : {}) },
        };
      }
      return r;
    });
    assert.deepEqual(metadataDifferences(proxmox, changed).sort(), [
      'GET /access/users: returns[].email is integer, Proxmox: string',
      'GET /access/users: returns[].email is required only in Tessera',
      'GET /access/users: returns[].userid missing',
      "POST /access/users: 'enable' defaults to 0, Proxmox: 1",
      "POST /access/users: 'expire' shows <integer> (computed), Proxmox: <integer> (0 - N)",
      "POST /access/users: 'groups' is not a list, Proxmox's format: pve-groupid-list",
      "POST /access/users: 'keys' shows <string>, Proxmox: [0-9a-zA-Z!=]{0,4096}",
      'POST /access/users: named add_user, Proxmox: create_user',
      "PUT /access/acl: 'path' is a list, Proxmox's format: undefined",
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
