/**
 * The web interface's files as `serve` hands them out: the page uncached, hashed assets
 * cached for a year, security headers on both, 404 for unknown assets, and a clear 503 when
 * the interface was never built.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { registerUi, uiDirectory } from '../../src/api/ui.js';

describe('web interface files', () => {
  it('serves the page and its assets with security headers', async () => {
    const app = Fastify();
    registerUi(app);
    const page = await app.inject({ method: 'GET', url: '/' });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.equal(page.headers['cache-control'], 'no-cache');
    assert.match(String(page.headers['content-security-policy']), /frame-ancestors 'none'/);
    assert.equal(page.headers['x-frame-options'], 'DENY');
    const script = /src="\/assets\/([^"]+\.js)"/.exec(page.body)?.[1];
    assert.ok(script, page.body);
    assert.ok(readdirSync(join(uiDirectory(), 'assets')).includes(script));
    const asset = await app.inject({ method: 'GET', url: `/assets/${script}` });
    assert.equal(asset.statusCode, 200);
    assert.match(String(asset.headers['content-type']), /^text\/javascript/);
    assert.match(String(asset.headers['cache-control']), /immutable/);
    const missing = await app.inject({ method: 'GET', url: '/assets/nope.js' });
    assert.equal(missing.statusCode, 404);
    const traversal = await app.inject({ method: 'GET', url: '/assets/..%2F..%2Fpackage.json' });
    assert.equal(traversal.statusCode, 404);
    await app.close();
  });

  it('says how to build the interface when it is missing', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'tessera-ui-'));
    const app = Fastify();
    registerUi(app, empty);
    const page = await app.inject({ method: 'GET', url: '/' });
    assert.equal(page.statusCode, 503);
    assert.match(page.body, /npm run build/);
    await app.close();
    await rm(empty, { recursive: true, force: true });
  });
});
