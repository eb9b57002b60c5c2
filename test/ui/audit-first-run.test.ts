/**
 * The first run and the Audit page in a real browser against `tessera serve`: the bootstrap
 * administrator's first login asks for a new password, offers a second factor and warns of
 * the password file; after the new password the prompt is gone; the Audit page lists a failed
 * login (with its explanation) and an ACL change (who, when, from where), its filters narrow
 * the list, bad input names its field, it fits 400 px; a user without Sys.Audit has no Audit
 * page and no notices. One browser, one page; the steps build on each other. Screenshots go to
 * test-results/.
 */
import assert from 'node:assert/strict';
import { unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import {
  loginThroughForm,
  openBrowser,
  screenshot,
  startUiServer,
  type UiServer,
} from '../support/ui.js';

const NEW_PASSWORD = 'a much better admin password';

describe('web interface: first run and the Audit page', () => {
  let server: UiServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  before(async () => {
    [server, browser] = await Promise.all([startUiServer(), openBrowser()]);
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(8000);
  });

  after(async () => {
    await context.close();
    await browser.close();
    await server.close();
  });

  /** A call to the API outside the browser, as another client would make it. */
  async function call(
    method: string,
    path: string,
    form: Record<string, string>,
    auth?: { ticket: string; csrf: string },
  ): Promise<{ status: number; data: unknown }> {
    const response = await fetch(`${server.url}api2/json${path}`, {
      method,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(auth
          ? {
              cookie: `PVEAuthCookie=${encodeURIComponent(auth.ticket)}`,
              csrfpreventiontoken: auth.csrf,
            }
          : {}),
      },
      body: new URLSearchParams(form).toString(),
    });
    const text = await response.text();
    return {
      status: response.status,
      data: text === '' ? null : (JSON.parse(text) as { data: unknown }).data,
    };
  }

  async function open(title: string): Promise<void> {
    await page.getByRole('navigation').getByRole('link', { name: title, exact: true }).click();
    await page.getByRole('heading', { level: 1, name: title, exact: true }).waitFor();
  }

  function notices(): Locator {
    return page.getByRole('region', { name: 'Notices' });
  }

  /** The focused element's accessible name, as far as its label or text gives it. */
  async function focused(): Promise<string> {
    return page.evaluate<string>(
      "document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent ?? ''",
    );
  }

  function rows(): Locator {
    return page.locator('tbody tr');
  }

  async function show(): Promise<void> {
    await page.getByRole('button', { name: 'Show events' }).click();
    await page.getByRole('table').waitFor();
  }

  it('asks the bootstrap administrator for a new password and warns of the file', async () => {
    await loginThroughForm(page, server, 'admin', server.adminPassword, 'pve');
    const file = join(server.dir, 'admin-password');
    await notices().getByText('Set a new password.').waitFor();
    await notices().getByText(`${file} still holds the working password of admin@pve`).waitFor();
    await notices().getByRole('link', { name: 'add a second factor' }).waitFor();
    await screenshot(page, 'first-run');
  });

  it('makes a failed login and an ACL change for the Audit page', async () => {
    const login = await call('POST', '/access/ticket', {
      username: 'admin@pve',
      password: server.adminPassword,
    });
    const data = login.data as { ticket: string; CSRFPreventionToken: string };
    const admin = { ticket: data.ticket, csrf: data.CSRFPreventionToken };
    const created = await call(
      'POST',
      '/access/users',
      { userid: 'bob@pve', password: 'bob password' },
      admin,
    );
    assert.equal(created.status, 200);
    const granted = await call(
      'PUT',
      '/access/acl',
      { path: '/vms', roles: 'PVEVMUser', users: 'bob@pve' },
      admin,
    );
    assert.equal(granted.status, 200);
    const refused = await call('POST', '/access/ticket', {
      username: 'bob@pve',
      password: 'not bob password',
    });
    assert.equal(refused.status, 401);
  });

  it('takes a new password; at the next login the prompt is gone, the offer stays', async () => {
    await notices().getByRole('link', { name: 'Change your password' }).click();
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('Repeat new password', { exact: true }).fill(NEW_PASSWORD);
    await page
      .getByRole('region', { name: 'Password' })
      .getByLabel('Current password', { exact: true })
      .fill(server.adminPassword);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Password changed').waitFor();
    // The change ended this session (every older ticket is refused): log in anew.
    await loginThroughForm(page, server, 'admin', NEW_PASSWORD, 'pve');
    await notices().getByRole('link', { name: 'add a second factor' }).waitFor();
    await notices().getByText('which no longer works').waitFor();
    assert.equal(await notices().getByText('Set a new password.').count(), 0);
  });

  it('lists the failed login with its explanation and the ACL change', async () => {
    await open('Audit');
    await show();
    const failed = rows().filter({ hasText: 'failed login' }).filter({ hasText: 'bob@pve' });
    assert.equal(await failed.count(), 1);
    const change = rows().filter({ hasText: 'update acl /vms' });
    assert.equal(await change.count(), 1);
    const text = await change.innerText();
    assert.match(text, /admin@pve/);
    assert.match(text, /roles=PVEVMUser/);
    assert.match(text, /(127\.0\.0\.1|::1) \(\S+\)/, 'from where: address and node');
    assert.match(text, /\d{1,2}:\d{2}/, 'when');
    await screenshot(page, 'audit');

    await failed.getByRole('button', { name: /^Explain the failed login of bob@pve at / }).click();
    const heading = page.getByRole('heading', { name: 'Why the login of bob@pve failed' });
    await heading.waitFor();
    assert.equal(
      await focused(),
      'Why the login of bob@pve failed',
      'the explanation takes the focus',
    );
    const explanation = page.getByRole('region', { name: 'Why the login of bob@pve failed' });
    assert.match(await explanation.innerText(), /wrong_password/);
    await explanation.getByRole('button', { name: 'Close the explanation' }).click();
    assert.equal(await heading.count(), 0);
    assert.match(
      await focused(),
      /^Explain the failed login of bob@pve/,
      'the focus goes back to the Explain button',
    );
  });

  it('narrows the list with its filters and names the field of bad input', async () => {
    await page.getByLabel('Kind').selectOption('login');
    await show();
    assert.equal(await rows().filter({ hasText: 'update acl' }).count(), 0);
    assert.ok((await rows().count()) >= 2, 'the logins are there');

    await page.getByLabel('Outcome').selectOption('failure');
    await show();
    assert.equal(await rows().filter({ hasText: 'logged in' }).count(), 0);
    assert.equal(await rows().filter({ hasText: 'bob@pve' }).count(), 1);

    await page.getByLabel('Kind').selectOption('');
    await page.getByLabel('Outcome').selectOption('');
    await page.getByLabel('User', { exact: true }).fill('bob@pve');
    await show();
    // bob's creation, the ACL entry given to him, and his failed login.
    assert.equal(await rows().count(), 3);
    assert.equal(await rows().filter({ hasNotText: 'bob@pve' }).count(), 0);
    await page.getByLabel(/^Filter events/).fill('wrong_password');
    assert.equal(await rows().count(), 1);
    await page.getByLabel(/^Filter events/).fill('');

    await page.getByLabel('Until', { exact: true }).fill('some day');
    await page.getByRole('button', { name: 'Show events' }).click();
    const error = page
      .locator('.field', { has: page.getByLabel('Until', { exact: true }) })
      .getByRole('alert');
    assert.match(await error.innerText(), /expected 30m, 2h, 7d or an ISO date/);
    await page.getByLabel('Until', { exact: true }).fill('');
    await page.getByLabel('User', { exact: true }).fill('');
    await show();
  });

  it('fits a 400 px screen', async () => {
    await page.setViewportSize({ width: 400, height: 800 });
    await page.getByRole('heading', { level: 1, name: 'Audit' }).waitFor();
    const width = await page.evaluate<number>('document.documentElement.scrollWidth');
    assert.ok(width <= 400, `the page is ${String(width)} px wide`);
    await screenshot(page, 'audit-400');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('drops the file warning once the file is deleted', async () => {
    unlinkSync(join(server.dir, 'admin-password'));
    await open('My account');
    // The notices reload on navigation; the previous answer stays on screen until then.
    await notices().getByText('data directory').waitFor({ state: 'detached' });
    await notices().getByRole('link', { name: 'add a second factor' }).waitFor();
  });

  it('gives a user without Sys.Audit no Audit page and no notices', async () => {
    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    await loginThroughForm(page, server, 'bob', 'bob password', 'pve');
    const nav = page.getByRole('navigation');
    await nav.getByRole('link', { name: 'My account' }).waitFor();
    assert.equal(await nav.getByRole('link', { name: 'Audit', exact: true }).count(), 0);
    await page.goto(`${server.url}#/admin/audit`);
    await page.getByRole('heading', { level: 1, name: 'My account' }).waitFor();
    assert.equal(await notices().count(), 0);
  });
});
