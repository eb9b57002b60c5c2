/**
 * "Log out everywhere" in a real browser against `tessera serve`: from the user's own menu
 * (this browser goes back to the login form, another browser's session stops working), and
 * from an administrator's user page for another user. Screenshots go to test-results/.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { adminTicket, callApi, createPveUser, type Ticket } from '../support/ui-login.js';
import {
  loginThroughForm,
  openBrowser,
  screenshot,
  startUiServer,
  type UiServer,
} from '../support/ui.js';

const PASSWORD = 'correct horse battery';

describe('web interface: log out everywhere', { timeout: 90_000 }, () => {
  let server: UiServer;
  let browser: Browser;
  let admin: Ticket;
  const contexts: BrowserContext[] = [];

  before(async () => {
    [server, browser] = await Promise.all([startUiServer(), openBrowser()]);
    admin = await adminTicket(server);
  });

  after(async () => {
    for (const context of contexts) await context.close();
    await browser.close();
    await server.close();
  });

  /** A browser of its own (its own cookies): another device. */
  const device = async (): Promise<Page> => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(8000);
    return page;
  };

  /** The status of an API read with the page's own cookies. */
  const apiStatus = (page: Page): Promise<number> =>
    page.evaluate<number>(
      "fetch('/api2/json/access/permissions', { credentials: 'same-origin' }).then((r) => r.status)",
    );

  it('logs the user out in every browser, from their own menu', async () => {
    const userid = await createPveUser(server, admin, 'erin', PASSWORD);
    const laptop = await device();
    const phone = await device();
    await loginThroughForm(laptop, server, 'erin', PASSWORD, 'pve');
    await loginThroughForm(phone, server, 'erin', PASSWORD, 'pve');
    assert.equal(await apiStatus(phone), 200);

    await laptop.getByRole('button', { name: 'Log out everywhere', exact: true }).click();
    const dialog = laptop.getByRole('dialog');
    await dialog.getByText('End every session of yours').waitFor();
    await screenshot(laptop, 'logout-everywhere');
    await dialog.getByRole('button', { name: 'Log out everywhere' }).click();
    await laptop.getByLabel('User name').waitFor();
    assert.equal(await apiStatus(laptop), 401);
    assert.equal(await apiStatus(phone), 401, 'the other browser is logged out too');

    // The other browser notices at its next request and shows the login form.
    await phone.reload();
    await phone.getByLabel('User name').waitFor();
    // Logging in again works at once.
    await loginThroughForm(phone, server, 'erin', PASSWORD, 'pve');
    assert.equal(await apiStatus(phone), 200);
    const trail = await callApi(
      server,
      'GET',
      '/access/tessera/changes',
      { entity: 'user', id: userid },
      admin,
    );
    assert.match(JSON.stringify(trail.data), /"action":"logout"/);
  });

  it("logs another user out from the administrator's user page", async () => {
    const userid = await createPveUser(server, admin, 'fred', PASSWORD);
    const fred = await device();
    await loginThroughForm(fred, server, 'fred', PASSWORD, 'pve');
    assert.equal(await apiStatus(fred), 200);

    const page = await device();
    await loginThroughForm(page, server, 'admin', server.adminPassword, 'pve');
    await page.getByRole('navigation').getByRole('link', { name: 'Users', exact: true }).click();
    const row = page.locator('tbody tr', { hasText: userid });
    await row.getByRole('button', { name: `Log out ${userid} everywhere` }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText(`End every session of ${userid}?`).waitFor();
    await dialog.getByRole('button', { name: 'Log out everywhere' }).click();
    await page.getByText(`${userid} logged out everywhere.`).waitFor();
    await screenshot(page, 'admin-logout-everywhere');
    assert.equal(await apiStatus(fred), 401);
    // The administrator's own session goes on, and their own row has no such button.
    assert.equal(await apiStatus(page), 200);
    const own = page.locator('tbody tr', { hasText: 'admin@pve' });
    assert.equal(
      await own.getByRole('button', { name: 'Log out admin@pve everywhere' }).isDisabled(),
      true,
    );
  });
});
