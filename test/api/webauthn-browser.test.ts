/**
 * WebAuthn end to end: a real Chromium (playwright-core, Debian's /usr/bin/chromium) with a
 * CDP virtual authenticator registers a key through `POST /access/tfa/{userid}` and logs in
 * with it through Proxmox's two-step login against two running `tessera serve` processes
 * that share one store: step one on the first, step two on the second. A replayed answer,
 * an answer signed for another origin and a counter that went backwards are refused, each
 * with its cause in the audit log.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type CDPSession, type Page } from 'playwright-core';
import { repoRoot } from '../support/conformance.js';
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
  errors?: Record<string, string>;
}

async function call(
  port: number,
  method: string,
  path: string,
  form: Record<string, string>,
  auth?: { ticket: string; csrf: string },
): Promise<Api> {
  const response = await fetch(`http://localhost:${String(port)}/api2/json${path}`, {
    method,
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

describe('WebAuthn in Chromium against tessera serve', { timeout: 120_000 }, () => {
  let dir: string;
  let portA: number;
  let portB: number;
  let nodeA: ReturnType<typeof start>;
  let nodeB: ReturnType<typeof start>;
  let browser: Browser;
  let page: Page;
  let cdp: CDPSession;
  let authenticatorId: string;
  let password: string;
  let admin: { ticket: string; csrf: string };
  let otherOrigin: Server;
  let otherPort: number;
  const auditLog = (): string => join(dir, 'audit.log');

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-webauthn-'));
    portA = await freePort();
    portB = await freePort();
    const options = (port: number): string[] => [
      '--listen',
      `localhost:${String(port)}`,
      '--http',
      '--login-delay',
      '0',
      '--throttle',
      'off',
      '--audit-log',
      auditLog(),
    ];
    nodeA = start(dir, portA, options(portA));
    await nodeA.ready;
    nodeB = start(dir, portB, options(portB));
    await nodeB.ready;
    const printed = /password: (\S+)/.exec(nodeA.output());
    assert.ok(printed, nodeA.output());
    password = printed[1] ?? '';

    // A second origin on localhost: same relying party id, different origin.
    otherPort = await freePort();
    otherOrigin = createServer((_req, res) => {
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<!doctype html><title>other</title>');
    });
    await new Promise<void>((resolve) => otherOrigin.listen(otherPort, 'localhost', resolve));

    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage();
    cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    ({ authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'usb',
        hasResidentKey: false,
        hasUserVerification: false,
        automaticPresenceSimulation: true,
      },
    }));
    // A page of the server's origin open to anyone (a refused one has no body to show).
    await page.goto(`http://localhost:${String(portA)}/api2/json/access/domains`);
    await page.addScriptTag({ path: BROWSER_SCRIPT });

    const login = await call(portA, 'POST', '/access/ticket', {
      username: 'admin@pve',
      password,
    });
    assert.equal(login.status, 200);
    admin = {
      ticket: String(login.data?.['ticket']),
      csrf: String(login.data?.['CSRFPreventionToken']),
    };
  });

  after(async () => {
    await browser.close();
    await new Promise((resolve) => otherOrigin.close(resolve));
    await stop(nodeA.child);
    await stop(nodeB.child);
    await rm(dir, { recursive: true, force: true });
  });

  /** The browser's answer to a login challenge, as the Proxmox UI sends it. */
  const assertion = async (
    publicKey: Record<string, unknown>,
    on: Page = page,
  ): Promise<string> => {
    const answer = await on.evaluate(
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

  const stepOne = async (): Promise<{ ticket: string; publicKey: Record<string, unknown> }> => {
    const first = await call(portA, 'POST', '/access/ticket', { username: 'admin@pve', password });
    assert.equal(first.status, 200);
    const data = first.data ?? {};
    assert.equal(data['NeedTFA'], 1);
    const ticket = String(data['ticket']);
    const publicKey = ticketChallenge(ticket).webauthn?.publicKey;
    assert.ok(publicKey, 'the challenge offers WebAuthn');
    assert.equal(publicKey['rpId'], 'localhost');
    return { ticket, publicKey };
  };

  const causes = async (): Promise<string[]> =>
    (await readFile(auditLog(), 'utf8').catch(() => ''))
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => String((JSON.parse(line) as { cause?: string }).cause));
  /** The last cause in the auth log, once the server has written it (it may follow the answer). */
  const lastCause = async (expected: string): Promise<string | undefined> => {
    const until = Date.now() + 5000;
    let last = (await causes()).at(-1);
    while (last !== expected && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      last = (await causes()).at(-1);
    }
    return last;
  };

  it('registers a key in the browser and logs in with it on another node', async () => {
    const started = await call(
      portA,
      'POST',
      '/access/tfa/admin@pve',
      { type: 'webauthn', description: 'virtual key', password },
      admin,
    );
    assert.equal(started.status, 200, JSON.stringify(started));
    const data = started.data ?? {};
    assert.equal(data['id'], null);
    const creation = JSON.parse(String(data['challenge'])) as {
      publicKey: { challenge: string; rp: { id: string } };
    };
    assert.equal(creation.publicKey.rp.id, 'localhost');
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
    // The second POST goes to the other node: the challenge is in the shared store.
    const finished = await call(
      portB,
      'POST',
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
    assert.match(String(finished.data?.['id']), /^[0-9a-f-]{36}$/);

    // The registration challenge was used up.
    const again = await call(
      portA,
      'POST',
      '/access/tfa/admin@pve',
      {
        type: 'webauthn',
        challenge: creation.publicKey.challenge,
        value: JSON.stringify(credential),
        password,
      },
      admin,
    );
    assert.equal(again.status, 400, JSON.stringify(again));

    const { ticket, publicKey } = await stepOne();
    const answer = await assertion(publicKey);
    const second = await call(portB, 'POST', '/access/ticket', {
      username: 'admin@pve',
      'tfa-challenge': ticket,
      password: answer,
    });
    assert.equal(second.status, 200, JSON.stringify(second));
    assert.match(String(second.data?.['ticket']), /^PVE:admin@pve:/);
    assert.ok(second.data?.['cap']);

    // The same answer again: the challenge is gone on every node.
    const replay = await call(portA, 'POST', '/access/ticket', {
      username: 'admin@pve',
      'tfa-challenge': ticket,
      password: answer,
    });
    assert.equal(replay.status, 401);
  });

  it('refuses an answer signed for another origin', async () => {
    const { ticket, publicKey } = await stepOne();
    const elsewhere = await browser.newPage();
    const cdpElsewhere = await elsewhere.context().newCDPSession(elsewhere);
    // The same virtual key, reached from a page of another origin.
    await cdpElsewhere.send('WebAuthn.enable');
    const { authenticatorId: other } = await cdpElsewhere.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'usb', automaticPresenceSimulation: true },
    });
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    for (const credential of credentials)
      await cdpElsewhere.send('WebAuthn.addCredential', { authenticatorId: other, credential });
    await elsewhere.goto(`http://localhost:${String(otherPort)}/`);
    await elsewhere.addScriptTag({ path: BROWSER_SCRIPT });
    const answer = await assertion(publicKey, elsewhere);
    await elsewhere.close();
    const refused = await call(portA, 'POST', '/access/ticket', {
      username: 'admin@pve',
      'tfa-challenge': ticket,
      password: answer,
    });
    assert.equal(refused.status, 401);
    assert.match(nodeA.output(), /origin check failed/);
    assert.equal(await lastCause('webauthn_failed'), 'webauthn_failed');
  });

  it('reports a signature counter that went backwards', async () => {
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    const [credential] = credentials;
    assert.ok(credential);
    assert.ok(credential.signCount > 0, 'the key has been used');
    // A clone of the key that starts counting again from zero.
    await cdp.send('WebAuthn.removeCredential', {
      authenticatorId,
      credentialId: credential.credentialId,
    });
    await cdp.send('WebAuthn.addCredential', {
      authenticatorId,
      credential: { ...credential, signCount: 0 },
    });
    const { ticket, publicKey } = await stepOne();
    const refused = await call(portA, 'POST', '/access/ticket', {
      username: 'admin@pve',
      'tfa-challenge': ticket,
      password: await assertion(publicKey),
    });
    assert.equal(refused.status, 401);
    assert.match(nodeA.output(), /signature counter went from \d+ to 1/);
    assert.equal(await lastCause('webauthn_counter'), 'webauthn_counter');
  });
});
