/**
 * datacenter.cfg's `http_proxy` carries an OpenID realm's requests to the provider, as in
 * Proxmox: a small HTTP CONNECT proxy on loopback (node:http, with Basic proxy
 * authentication) between Tessera and a real oidc-provider, the login completed in Chromium.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { buildApi } from '../../src/api/server.js';
import { parseDatacenterCfg } from '../../src/formats/datacenter-cfg.js';
import { parseRealmId } from '../../src/model/ids.js';
import { bootstrap } from '../../src/services/bootstrap.js';
import { liveContext } from '../../src/services/context.js';
import { createRealm } from '../../src/services/realms.js';
import { ensureServerKeys } from '../../src/services/server-keys.js';
import { encodeDatacenter, KEYS } from '../../src/store/codec.js';
import { LiveAccess } from '../../src/store/live.js';
import { MemoryStore } from '../../src/store/memory.js';
import {
  completeLoginInBrowser,
  launchChromium,
  startOidcProvider,
  type OidcProvider,
} from '../support/oidc-provider.js';
import { freePort } from '../support/serve.js';

const REDIRECT = 'https://pve.example.test:8006/';
const PROXY_USER = 'squid';
const PROXY_PASSWORD = 'pr0xy-pass';

describe('OpenID through the http_proxy of datacenter.cfg', { timeout: 90_000 }, () => {
  let provider: OidcProvider;
  let browser: Browser;
  let page: Page;
  let live: LiveAccess;
  let app: FastifyInstance;
  let proxy: Server;
  let proxyPort: number;
  const tunnels: string[] = [];
  const sockets = new Set<Socket>();
  const events: { cause: string; reason: string }[] = [];

  before(async () => {
    provider = await startOidcProvider({
      redirectUris: [REDIRECT],
      accounts: [{ sub: 'alice', claims: { email: 'alice@example.com' } }],
    });
    const expected = `Basic ${Buffer.from(`${PROXY_USER}:${PROXY_PASSWORD}`).toString('base64')}`;
    proxy = createServer((_req, res) => res.writeHead(405).end());
    proxy.on('connect', (req, client: Socket, head: Buffer) => {
      sockets.add(client);
      if (req.headers['proxy-authorization'] !== expected) {
        client.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n');
        return;
      }
      const target = req.url ?? '';
      tunnels.push(target);
      const [host, port] = target.split(':');
      const upstream = connect(Number(port), host ?? '', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      sockets.add(upstream);
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    proxyPort = await freePort();
    await new Promise<void>((resolve) => proxy.listen(proxyPort, '127.0.0.1', resolve));

    browser = await launchChromium();
    page = await browser.newPage();
    live = await LiveAccess.open(new MemoryStore());
    const ctx = liveContext(live);
    await bootstrap(ctx);
    await ensureServerKeys(ctx, Math.floor(Date.now() / 1000) - 10);
    await createRealm(ctx, parseRealmId('sso'), 'openid', {
      'issuer-url': provider.issuer,
      'client-id': provider.clientId,
      'client-key': provider.clientSecret,
      autocreate: true,
    });
    app = await buildApi({
      live,
      authFailureDelayMs: 0,
      throttle: false,
      onAuthFailure: (event) => events.push(event),
    });
  });

  after(async () => {
    await app.close();
    await live.close();
    await browser.close();
    await provider.stop();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => proxy.close(resolve));
  });

  const setProxy = async (password: string): Promise<void> => {
    const text = `http_proxy: http://${PROXY_USER}:${password}@127.0.0.1:${String(proxyPort)}/\n`;
    const parsed = parseDatacenterCfg(text);
    assert.deepEqual(parsed.diagnostics, []);
    const revision = await live.store.transact(
      [],
      [{ op: 'put', key: KEYS.datacenter(), value: encodeDatacenter(parsed.value) }],
    );
    await live.waitForRevision(revision);
  };

  const post = async (path: string, form: Record<string, string>) => {
    const response = await app.inject({
      method: 'POST',
      url: `/api2/json${path}`,
      remoteAddress: '127.0.0.1',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams(form).toString(),
    });
    return {
      status: response.statusCode,
      data: (JSON.parse(response.body) as { data: unknown }).data,
    };
  };

  it('discovers, exchanges the code and reads userinfo through the proxy', async () => {
    await setProxy(PROXY_PASSWORD);
    const start = await post('/access/openid/auth-url', { realm: 'sso', 'redirect-url': REDIRECT });
    assert.equal(start.status, 200, JSON.stringify(events));
    const provided = new URL(provider.issuer);
    assert.ok(
      tunnels.includes(provided.host),
      `discovery did not use the proxy: ${tunnels.join()}`,
    );
    const before = tunnels.length;

    const back = await completeLoginInBrowser(page, String(start.data), 'alice', REDIRECT);
    const done = await post('/access/openid/login', {
      code: back.searchParams.get('code') ?? '',
      state: back.searchParams.get('state') ?? '',
      'redirect-url': REDIRECT,
    });
    assert.equal(done.status, 200, JSON.stringify(events));
    assert.equal((done.data as Record<string, unknown>)['username'], 'alice@sso');
    // The token request and the userinfo request, each through a tunnel of its own.
    assert.ok(tunnels.length >= before + 2, `tunnels: ${tunnels.join()}`);
    assert.ok(tunnels.slice(before).every((t) => t === provided.host));
  });

  it('fails the login when the proxy refuses, without naming the proxy password', async () => {
    await setProxy('wrong-password');
    const start = await post('/access/openid/auth-url', { realm: 'sso', 'redirect-url': REDIRECT });
    assert.equal(start.status, 500);
    const failure = events.at(-1);
    assert.equal(failure?.cause, 'oidc_discovery_failed');
    assert.match(failure.reason, /proxy 127\.0\.0\.1:\d+ refused the tunnel .*: 407/);
    assert.doesNotMatch(JSON.stringify(events), /wrong-password|pr0xy-pass/);
  });
});
