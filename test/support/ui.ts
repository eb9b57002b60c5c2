/**
 * The web interface in a real browser: `tessera serve --http` on localhost (WebAuthn needs a
 * host name, not an IP) with its own data directory, Debian's Chromium through
 * playwright-core, and screenshots of the main screens under test-results/ (not committed).
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { repoRoot } from './conformance.js';
import { launchChromium } from './oidc-provider.js';
import { freePort, start, stop } from './serve.js';

export interface UiServer {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** The bootstrap administrator's password (admin@pve). */
  readonly adminPassword: string;
  output(): string;
  close(): Promise<void>;
}

export async function startUiServer(extra: readonly string[] = []): Promise<UiServer> {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-ui-'));
  const port = await freePort();
  const server = start(dir, port, [
    '--listen',
    `localhost:${String(port)}`,
    '--http',
    '--login-delay',
    '0',
    '--throttle',
    'off',
    ...extra,
  ]);
  await server.ready;
  const password = /password: (\S+)/.exec(server.output())?.[1];
  if (password === undefined) throw new Error(`no bootstrap password in: ${server.output()}`);
  return {
    url: `http://localhost:${String(port)}/`,
    port,
    dir,
    adminPassword: password,
    output: () => server.output(),
    close: async () => {
      await stop(server.child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function openBrowser(): Promise<Browser> {
  return launchChromium();
}

/** Saves a screenshot of the page as test-results/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = join(repoRoot, 'test-results');
  await mkdir(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}

/** Fills in and sends the login form (what follows, a second factor say, is the caller's). */
export async function submitLogin(
  page: Page,
  server: UiServer,
  username: string,
  password: string,
  realm?: string,
): Promise<void> {
  await page.goto(server.url);
  await page.getByLabel('User name').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  if (realm !== undefined) await page.getByLabel('Realm').selectOption(realm);
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
}

/** Logs in through the login form (no second factor). */
export async function loginThroughForm(
  page: Page,
  server: UiServer,
  username: string,
  password: string,
  realm?: string,
): Promise<void> {
  await submitLogin(page, server, username, password, realm);
  await page.getByRole('button', { name: 'Log out', exact: true }).waitFor();
}
