/**
 * The login page and My account in Debian's Chromium against a real `tessera serve`: password
 * login and logout (the realm remembered, the ticket renewed), the notes about the name and
 * the realm, the clock warning, and the second factors end to end — TOTP and recovery keys
 * enrolled in My account and used at the login's second step, a security key registered
 * and used through a CDP virtual authenticator — and an OpenID login through a provider's
 * pages and back. Screenshots: login, tfa-step, account, account-totp (test-results/).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startOidcProvider, type OidcProvider } from '../support/oidc-provider.js';
import {
  adminCall,
  adminTicket,
  createPveUser,
  hasFocus,
  logout,
  totpCode,
  type Ticket,
} from '../support/ui-login.js';
import {
  loginThroughForm,
  openBrowser,
  submitLogin,
  screenshot,
  startUiServer,
  type UiServer,
} from '../support/ui.js';

const PASSWORD = 'correct horse battery';

describe('web interface: login and my account', { timeout: 90_000 }, () => {
  let server: UiServer;
  let browser: Browser;
  let admin: Ticket;
  let provider: OidcProvider | undefined;
  const contexts: BrowserContext[] = [];

  before(async () => {
    [server, browser] = await Promise.all([startUiServer(), openBrowser()]);
    admin = await adminTicket(server);
  });

  after(async () => {
    for (const context of contexts) await context.close();
    await browser.close();
    await provider?.stop();
    await server.close();
  });

  /** A fresh page in its own context (own storage, cookies, clock). */
  const newPage = async (options: { width?: number } = {}): Promise<Page> => {
    const context = await browser.newContext(
      options.width !== undefined ? { viewport: { width: options.width, height: 800 } } : {},
    );
    contexts.push(context);
    context.setDefaultTimeout(10_000);
    return context.newPage();
  };

  const banner = (page: Page): Promise<string | null> => page.getByRole('banner').textContent();

  /** Whether the page is wider than its window (a phone would scroll sideways). */
  const overflows = (page: Page): Promise<boolean> =>
    page.evaluate<boolean>('document.documentElement.scrollWidth > window.innerWidth');

  it('logs in with a password, remembers the realm, renews the ticket, logs out', async () => {
    const page = await newPage();
    await page.clock.install();
    await page.goto(server.url);
    const realm = page.getByLabel('Realm');
    // No remembered realm and none marked default: Linux PAM, as in Proxmox.
    await page.getByRole('option', { name: 'Proxmox VE authentication server (pve)' }).waitFor({
      state: 'attached',
    });
    assert.equal(await realm.inputValue(), 'pam');
    await screenshot(page, 'login');

    await submitLogin(page, server, 'admin', 'wrong password', 'pve');
    const failed = page.getByRole('alert').filter({ hasText: 'Login failed' });
    assert.equal(
      (await failed.textContent())?.trim(),
      'Login failed: check the user name, realm and password.',
    );

    await loginThroughForm(page, server, 'admin', server.adminPassword, 'pve');
    assert.match((await banner(page)) ?? '', /admin@pve/);
    await page.getByRole('table', { name: 'Second factors' }).waitFor();
    await screenshot(page, 'account');
    // The ticket is in a cookie the server set HttpOnly: no script of the page holds it.
    const ticketCookie = async () =>
      (await page.context().cookies()).find((c) => c.name === 'PVEAuthCookie');
    const cookie = await ticketCookie();
    assert.ok(cookie);
    assert.ok(cookie.value.startsWith('PVE%3Aadmin%40pve%3A'), JSON.stringify(cookie));
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.equal(cookie.path, '/');
    assert.equal(await page.evaluate<string>('document.cookie'), '');
    assert.doesNotMatch(
      await page.evaluate<string>('JSON.stringify(sessionStorage) + JSON.stringify(localStorage)'),
      /PVE:admin/,
    );

    // The ticket is renewed before its two hours are over (by logging in with it).
    const renewal = page.waitForResponse(
      (r) => r.url().endsWith('/access/ticket') && r.request().method() === 'POST',
    );
    await page.clock.fastForward('01:46:00');
    assert.equal((await renewal).status(), 200);
    await page.getByRole('button', { name: 'Log out', exact: true }).waitFor();
    assert.equal((await ticketCookie())?.httpOnly, true);

    // Logging out asks the server to drop the cookie, which the page cannot.
    const dropped = page.waitForResponse(
      (r) => r.url().endsWith('/access/ticket') && r.request().method() === 'DELETE',
    );
    await logout(page);
    assert.equal((await dropped).status(), 200);
    assert.equal(await ticketCookie(), undefined);
    await page.reload();
    await page.getByRole('option', { name: /\(pve\)/ }).waitFor({ state: 'attached' });
    assert.equal(await realm.inputValue(), 'pve', 'the last realm is remembered');
  });

  it('fits a 375 px wide screen', async () => {
    const page = await newPage({ width: 375 });
    await page.goto(server.url);
    await page.getByLabel('User name').waitFor();
    assert.equal(await overflows(page), false, 'login page');
    await loginThroughForm(page, server, 'admin', server.adminPassword, 'pve');
    await page.getByRole('table', { name: 'Second factors' }).waitFor();
    assert.equal(await overflows(page), false, 'account page');
  });

  it('notes names that belong to another realm', async () => {
    // With no remembered realm, the page starts at the realm marked default.
    await adminCall(server, admin, 'PUT', '/access/domains/pve', { default: '1' });
    const page = await newPage();
    await page.goto(server.url);
    await page.getByRole('option', { name: /\(pve\)/ }).waitFor({ state: 'attached' });
    assert.equal(await page.getByLabel('Realm').inputValue(), 'pve');
    await adminCall(server, admin, 'PUT', '/access/domains/pve', { delete: 'default' });
    const name = page.getByLabel('User name');
    await name.fill('root');
    await page.getByLabel('Realm').selectOption('pve');
    await page.getByText('root is usually root@pam: choose Linux PAM').waitFor();
    await page.getByRole('button', { name: 'Switch to pam' }).click();
    assert.equal(await page.getByLabel('Realm').inputValue(), 'pam');
    await page.getByText('root is usually root@pam').waitFor({ state: 'detached' });

    await name.fill('admin@pve');
    await page.getByText('Logging in to realm pve, as typed in the name').waitFor();
    // The typed realm wins over the chosen one (pam).
    await page.getByLabel('Password', { exact: true }).fill(server.adminPassword);
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await page.getByRole('button', { name: 'Log out', exact: true }).waitFor();
    await logout(page);

    await page.getByLabel('User name').fill('alice@example.com');
    await page.getByText('There is no realm example.com').waitFor();
  });

  it('warns when the computer’s clock is off', async () => {
    const page = await newPage();
    await page.clock.setFixedTime(Date.now() + 5 * 60_000);
    await page.goto(server.url);
    const warning = page.getByRole('alert').filter({ hasText: 'clock' });
    assert.match((await warning.textContent()) ?? '', /5 minutes ahead of the server/);

    const fine = await newPage();
    await fine.goto(server.url);
    await fine.getByRole('option', { name: /\(pve\)/ }).waitFor({ state: 'attached' });
    assert.equal(await fine.getByRole('alert').filter({ hasText: 'clock' }).count(), 0);
  });

  it('enrolls a TOTP app in My account and logs in with its code', async () => {
    await createPveUser(server, admin, 'tina', PASSWORD);
    const page = await newPage();
    await loginThroughForm(page, server, 'tina', PASSWORD, 'pve');
    const panel = page.getByRole('region', { name: 'Add a TOTP app' });
    await panel.getByRole('button', { name: 'Set up a TOTP app' }).click();
    await panel.getByRole('img', { name: 'QR code for tina@pve' }).waitFor();
    const uri = await panel.getByLabel('Setup URI').inputValue();
    assert.match(uri, /^otpauth:\/\/totp\//);
    assert.match(await panel.getByLabel('Secret key').inputValue(), /^[A-Z2-7]+=*$/);
    await screenshot(page, 'account-totp');

    await panel.getByLabel('Description').fill('phone');
    await panel.getByLabel('Code from the app').fill(totpCode(uri));
    await panel.getByLabel('Current password').fill(PASSWORD);
    await panel.getByRole('button', { name: 'Add TOTP app' }).click();
    await panel.getByRole('status').filter({ hasText: 'TOTP app added' }).waitFor();
    await page.getByRole('cell', { name: 'phone', exact: true }).waitFor();

    await logout(page);
    await submitLogin(page, server, 'tina', PASSWORD, 'pve');
    await page.getByRole('heading', { name: 'Second factor' }).waitFor();
    const code = page.getByLabel('TOTP code');
    assert.equal(await hasFocus(page, code), true, 'focus moves to the code');
    await screenshot(page, 'tfa-step');
    await code.fill(totpCode(uri, -3));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('alert').filter({ hasText: 'not accepted' }).waitFor();
    // The enrollment used this step's code: the next one is new (and within the window).
    await code.fill(totpCode(uri, 1));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('button', { name: 'Log out', exact: true }).waitFor();
    assert.match((await banner(page)) ?? '', /tina@pve/);

    // Deleting asks for the current password.
    await page.getByRole('button', { name: 'Delete TOTP app “phone”' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Current password').fill('not the password');
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await dialog.getByRole('alert').filter({ hasText: 'not accepted' }).first().waitFor();
    await dialog.getByLabel('Current password').fill(PASSWORD);
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await page.getByText('No second factors yet').waitFor();
  });

  it('generates recovery keys and logs in with them, one key less each time', async () => {
    await createPveUser(server, admin, 'rita', PASSWORD);
    const page = await newPage();
    await loginThroughForm(page, server, 'rita', PASSWORD, 'pve');
    const panel = page.getByRole('region', { name: 'Recovery keys' });
    await panel.getByLabel('Current password').fill(PASSWORD);
    await panel.getByRole('button', { name: 'Generate recovery keys' }).click();
    const items = panel.getByRole('list', { name: 'Recovery keys' }).getByRole('listitem');
    await items.first().waitFor();
    const keys = (await items.allTextContents()).map((k) => k.trim());
    assert.equal(keys.length, 10);
    await panel.getByText('shown only now').waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      panel.getByRole('button', { name: 'Download' }).click(),
    ]);
    const text = await readFile(await download.path(), 'utf8');
    for (const key of keys) assert.ok(text.includes(key), `${key} in the download`);

    const [first = '', second = ''] = keys;
    for (const [key, left] of [
      [first, '10 keys left'],
      [second, '9 keys left'],
    ] as const) {
      await logout(page);
      await submitLogin(page, server, 'rita', PASSWORD, 'pve');
      const field = page.getByLabel('Recovery key');
      await page.getByText(left).waitFor();
      assert.equal(await hasFocus(page, field), true);
      await field.fill(key);
      await page.getByRole('button', { name: 'Confirm' }).click();
      await page.getByRole('button', { name: 'Log out', exact: true }).waitFor();
    }
    // A used key does not log in again.
    await logout(page);
    await submitLogin(page, server, 'rita', PASSWORD, 'pve');
    await page.getByText('8 keys left').waitFor();
    await page.getByLabel('Recovery key').fill(first);
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('alert').filter({ hasText: 'not accepted' }).waitFor();
  });

  it('registers a security key and logs in with it', async () => {
    await createPveUser(server, admin, 'walt', PASSWORD);
    const page = await newPage();
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
    await loginThroughForm(page, server, 'walt', PASSWORD, 'pve');
    const panel = page.getByRole('region', { name: 'Add a security key' });
    await panel.getByLabel('Description').fill('virtual key');
    await panel.getByLabel('Current password').fill(PASSWORD);
    await panel.getByRole('button', { name: 'Register security key' }).click();
    await panel.getByRole('status').filter({ hasText: 'registered' }).waitFor();
    await page.getByRole('cell', { name: 'virtual key', exact: true }).waitFor();

    await logout(page);
    await submitLogin(page, server, 'walt', PASSWORD, 'pve');
    const button = page.getByRole('button', { name: 'Use security key' });
    await button.waitFor();
    assert.equal(await hasFocus(page, button), true);
    await button.click();
    await page.getByRole('button', { name: 'Log out', exact: true }).waitFor();
    assert.match((await banner(page)) ?? '', /walt@pve/);
  });

  // Last: once an OpenID realm exists, the login page has more "Log in …" buttons.
  it('logs in through an OpenID provider and back', async () => {
    provider = await startOidcProvider({ redirectUris: [server.url] });
    provider.setAccount({ sub: 'olga', claims: { email: 'olga@example.com' } });
    await adminCall(server, admin, 'POST', '/access/domains', {
      type: 'openid',
      realm: 'sso',
      'issuer-url': provider.issuer,
      'client-id': provider.clientId,
      'client-key': provider.clientSecret,
      autocreate: '1',
      comment: 'Single sign-on',
    });
    const page = await newPage();
    // The provider's pages load a web font: no network traffic from tests.
    await page.route(/^https:\/\/fonts\.(googleapis|gstatic)\.com\//, (route) => route.abort());
    await page.goto(server.url);
    await page.getByRole('button', { name: 'Log in with sso' }).click();
    await page.locator('input[name=login]').fill('olga');
    await page.locator('input[name=password]').fill('any password');
    await page.locator('button[type=submit]').click();
    // The provider's consent page.
    await page.locator('form input[name=prompt][value=consent]').waitFor({ state: 'attached' });
    await page.locator('button[type=submit]').click();
    await page.getByRole('button', { name: 'Log out', exact: true }).waitFor();
    assert.match((await banner(page)) ?? '', /olga@sso/);
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('code'), null, 'the address no longer holds the code');
    assert.equal(url.origin, new URL(server.url).origin);
  });
});
