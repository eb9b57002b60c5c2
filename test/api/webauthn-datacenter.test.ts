/**
 * WebAuthn whose relying party comes from an imported datacenter.cfg: a real Chromium with a
 * CDP virtual authenticator registers and logs in while the API is called through
 * 127.0.0.1 (an IP address: without datacenter.cfg there is no relying party to offer). A
 * page on a subdomain of the origin may answer (Proxmox's `allow-subdomains` default), and
 * a new datacenter.cfg with `allow-subdomains=0` takes effect on the running server.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { repoRoot } from '../support/conformance.js';
import { runCli } from '../support/cli.js';
import { makePveDir } from '../support/pve-dir.js';
import { freePort, start, stop } from '../support/serve.js';

const BROWSER_SCRIPT = join(
  repoRoot,
  'node_modules',
  '@simplewebauthn',
  'browser',
  'dist',
  'bundle',
  'index.umd.min.js',
);

interface Api {
  data: Record<string, unknown> | null;
  status: number;
  message?: string;
}

/** Calls the API as a script on the node would: by IP address. */
async function call(
  port: number,
  path: string,
  form: Record<string, string>,
  auth?: { ticket: string; csrf: string },
): Promise<Api> {
  const response = await fetch(`http://127.0.0.1:${String(port)}/api2/json${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(auth ? { cookie: `PVEAuthCookie=${auth.ticket}`, csrfpreventiontoken: auth.csrf } : {}),
    },
    body: new URLSearchParams(form).toString(),
  });
  const body = (await response.json()) as Omit<Api, 'status'>;
  return { ...body, status: response.status };
}

function ticketChallenge(ticket: string): { webauthn?: { publicKey: Record<string, unknown> } } {
  const match = /^PVE:!tfa!(.*):[0-9A-F]{8}::/.exec(ticket);
  assert.ok(match, `not a partial ticket: ${ticket}`);
  return JSON.parse((match[1] ?? '').replaceAll('%3A', ':')) as {
    webauthn?: { publicKey: Record<string, unknown> };
  };
}

describe('WebAuthn configured by datacenter.cfg', { timeout: 120_000 }, () => {
  let dir: string;
  let port: number;
  let node: ReturnType<typeof start>;
  let browser: Browser;
  let page: Page;
  let password: string;
  const pveDir = makePveDir({ 'user.cfg': 'user:root@pam:1:0::::::\n' });

  const importDatacenter = async (line: string, replace: boolean): Promise<void> => {
    pveDir.write('datacenter.cfg', `keyboard: de\n${line}\n`);
    const store = `sqlite:${join(dir, 'tessera.db')}`;
    const args = ['--store', store, 'import', ...(replace ? ['--replace'] : [])];
    const result = await runCli(...args, '--pve-dir', pveDir.path);
    assert.equal(result.status, 0, result.stderr);
  };

  const login = async (): Promise<{ ticket: string; csrf: string }> => {
    const answer = await call(port, '/access/ticket', { username: 'admin@pve', password });
    assert.equal(answer.status, 200, JSON.stringify(answer));
    return {
      ticket: String(answer.data?.['ticket']),
      csrf: String(answer.data?.['CSRFPreventionToken']),
    };
  };

  /** Registration's first step, retried until the running server has the new settings. */
  const startRegistration = async (
    until: (api: Api) => boolean,
  ): Promise<{ api: Api; admin: { ticket: string; csrf: string } }> => {
    const deadline = Date.now() + 5000;
    for (;;) {
      const admin = await login();
      const api = await call(
        port,
        '/access/tfa/admin@pve',
        { type: 'webauthn', description: 'virtual key', password },
        admin,
      );
      if (until(api) || Date.now() > deadline) return { api, admin };
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  const open = async (host: string): Promise<void> => {
    await page.goto(`http://${host}:${String(port)}/api2/json/access/domains`);
    await page.addScriptTag({ path: BROWSER_SCRIPT });
  };

  const assertion = async (publicKey: Record<string, unknown>): Promise<string> => {
    const answer = await page.evaluate(
      async (optionsJSON) =>
        (
          globalThis as unknown as {
            SimpleWebAuthnBrowser: {
              startAuthentication(o: { optionsJSON: unknown }): Promise<unknown>;
            };
          }
        ).SimpleWebAuthnBrowser.startAuthentication({ optionsJSON }),
      publicKey,
    );
    return `webauthn:${JSON.stringify({ ...(answer as object), challenge: publicKey['challenge'] })}`;
  };

  /** Both login steps; the browser answers from the page it is on. */
  const webauthnLogin = async (): Promise<Api> => {
    const first = await call(port, '/access/ticket', { username: 'admin@pve', password });
    assert.equal(first.status, 200);
    const ticket = String(first.data?.['ticket']);
    const publicKey = ticketChallenge(ticket).webauthn?.publicKey;
    assert.ok(publicKey, 'the challenge offers WebAuthn');
    assert.equal(publicKey['rpId'], 'pve.localhost');
    return call(port, '/access/ticket', {
      username: 'admin@pve',
      'tfa-challenge': ticket,
      password: await assertion(publicKey),
    });
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-webauthn-dc-'));
    port = await freePort();
    node = start(dir, port, [
      '--listen',
      `localhost:${String(port)}`,
      '--http',
      '--login-delay',
      '0',
      '--throttle',
      'off',
    ]);
    await node.ready;
    const printed = /password: (\S+)/.exec(node.output());
    assert.ok(printed, node.output());
    password = printed[1] ?? '';
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync'],
    });
    page = await browser.newPage();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'usb',
        hasResidentKey: false,
        hasUserVerification: false,
        automaticPresenceSimulation: true,
      },
    });
  });

  after(async () => {
    await browser.close();
    await stop(node.child);
    await rm(dir, { recursive: true, force: true });
    pveDir.remove();
  });

  it('offers no relying party to a client that came by IP address before the import', async () => {
    const { api } = await startRegistration(() => true);
    assert.equal(api.status, 400);
    assert.match(JSON.stringify(api), /relying party id '127\.0\.0\.1' is an IP address/);
  });

  it('registers and logs in with the relying party of datacenter.cfg', async () => {
    await importDatacenter(
      `webauthn: rp=Tessera Lab,origin=http://pve.localhost:${String(port)},id=pve.localhost`,
      false,
    );
    const { api, admin } = await startRegistration((a) => a.status === 200);
    assert.equal(api.status, 200, JSON.stringify(api));
    const creation = JSON.parse(String(api.data?.['challenge'])) as {
      publicKey: { challenge: string; rp: { id: string; name: string } };
    };
    assert.deepEqual(creation.publicKey.rp, { id: 'pve.localhost', name: 'Tessera Lab' });
    await open('pve.localhost');
    const credential = await page.evaluate(
      async (optionsJSON) =>
        (
          globalThis as unknown as {
            SimpleWebAuthnBrowser: {
              startRegistration(o: { optionsJSON: unknown }): Promise<unknown>;
            };
          }
        ).SimpleWebAuthnBrowser.startRegistration({ optionsJSON }),
      creation.publicKey,
    );
    const finished = await call(
      port,
      '/access/tfa/admin@pve',
      {
        type: 'webauthn',
        challenge: creation.publicKey.challenge,
        value: JSON.stringify(credential),
        password,
      },
      admin,
    );
    assert.equal(finished.status, 200, JSON.stringify(finished));

    const second = await webauthnLogin();
    assert.equal(second.status, 200, JSON.stringify(second));
    assert.match(String(second.data?.['ticket']), /^PVE:admin@pve:/);
  });

  it('takes answers from a subdomain of the origin unless allow-subdomains=0, read live', async () => {
    await open('node1.pve.localhost');
    const fromSubdomain = await webauthnLogin();
    assert.equal(fromSubdomain.status, 200, JSON.stringify(fromSubdomain));

    await importDatacenter(
      `webauthn: allow-subdomains=0,id=pve.localhost,origin=http://pve.localhost:${String(port)},rp=Tessera Lab`,
      true,
    );
    // The running server follows the store: no restart. (The replacing import revokes
    // earlier sessions, so an attempt right after it may fail for that reason first.)
    const deadline = Date.now() + 8000;
    let refused = await webauthnLogin();
    while (!node.output().includes('origin check failed') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      refused = await webauthnLogin();
    }
    assert.equal(refused.status, 401);
    assert.match(node.output(), /origin check failed/);

    await open('pve.localhost');
    const fromOrigin = await webauthnLogin();
    assert.equal(fromOrigin.status, 200, JSON.stringify(fromOrigin));
  });
});
