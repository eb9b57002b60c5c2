/**
 * The Users page in a real browser against `tessera serve`: the administrator creates a pve
 * user and sets its password from the Edit form (a wrong confirmation is refused at its field
 * and changes nothing), the user logs in with it in another browser; the user's own view
 * shows its groups, API token and second factor, and logging the user out everywhere from
 * there ends the user's session. An auditor (no User.Modify) sees the view without those
 * controls. Screenshots go to test-results/.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import {
  adminCall,
  adminTicket,
  callApi,
  createPveUser,
  type Ticket,
} from '../support/ui-login.js';
import {
  loginThroughForm,
  openBrowser,
  screenshot,
  startUiServer,
  type UiServer,
} from '../support/ui.js';

const USER = 'bob@pve';
const FIRST = 'first password 1';
const SECOND = 'second password 2';
const GROUP = 'ops';

describe('web interface: the Users page', { timeout: 120_000 }, () => {
  let server: UiServer;
  let browser: Browser;
  let admin: Ticket;
  let page: Page;
  let bob: Page;
  const contexts: BrowserContext[] = [];

  /** A browser of its own (its own cookies): another person's device. */
  const device = async (): Promise<Page> => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    const opened = await context.newPage();
    opened.setDefaultTimeout(8000);
    return opened;
  };

  before(async () => {
    [server, browser] = await Promise.all([startUiServer(), openBrowser()]);
    admin = await adminTicket(server);
    await adminCall(server, admin, 'POST', '/access/groups', { groupid: GROUP });
    page = await device();
    await loginThroughForm(page, server, 'admin', server.adminPassword, 'pve');
  });

  after(async () => {
    for (const context of contexts) await context.close();
    await browser.close();
    await server.close();
  });

  async function openUsers(on: Page): Promise<void> {
    await on.getByRole('navigation').getByRole('link', { name: 'Users', exact: true }).click();
    await on.getByRole('heading', { level: 1, name: 'Users', exact: true }).waitFor();
  }

  /** The error shown under the field labelled `label`. */
  function errorOf(on: Page, label: string): Locator {
    return on
      .locator('.field', { has: on.getByLabel(label, { exact: true }) })
      .locator('.field-error');
  }

  /** The status of an API read with the page's own cookies. */
  const apiStatus = (on: Page): Promise<number> =>
    on.evaluate<number>(
      "fetch('/api2/json/access/permissions', { credentials: 'same-origin' }).then((r) => r.status)",
    );

  const loginStatus = async (password: string): Promise<number> =>
    (await callApi(server, 'POST', '/access/ticket', { username: USER, password })).status;

  it('sets a user’s password from the Edit form, refusing a wrong confirmation at its field', async () => {
    await openUsers(page);
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.getByLabel('User ID', { exact: true }).fill(USER);
    await page.getByLabel('Password', { exact: true }).fill(FIRST);
    await page.getByLabel('Repeat password', { exact: true }).fill(FIRST);
    await page.getByRole('checkbox', { name: GROUP }).check();
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByText(`User ${USER} created.`).waitFor();

    await page.getByRole('button', { name: `Edit ${USER}` }).click();
    await page.getByRole('heading', { name: `Edit user ${USER}` }).waitFor();
    await page.getByRole('button', { name: `Set password of ${USER}` }).click();
    const form = page.getByRole('region', { name: `Set password of ${USER}` });
    // The new password field takes the focus as the form opens.
    await form.getByLabel('New password', { exact: true }).and(page.locator(':focus')).waitFor();
    await form.getByLabel('New password', { exact: true }).fill(SECOND);
    await form.getByLabel('Repeat new password', { exact: true }).fill('something else');
    await form.getByLabel('Your password (admin@pve)', { exact: true }).fill(server.adminPassword);
    await form.getByRole('button', { name: 'Set password', exact: true }).click();
    await errorOf(page, 'Repeat new password').filter({ hasText: 'differ' }).waitFor();

    await form.getByLabel('Repeat new password', { exact: true }).fill(SECOND);
    await form.getByLabel('Your password (admin@pve)', { exact: true }).fill('not my password');
    await form.getByRole('button', { name: 'Set password', exact: true }).click();
    await errorOf(page, 'Your password (admin@pve)').filter({ hasText: 'Not accepted' }).waitFor();
    assert.equal(
      await form
        .getByLabel('Your password (admin@pve)', { exact: true })
        .getAttribute('aria-invalid'),
      'true',
    );
    await screenshot(page, 'users-password');
    // Nothing changed: the old password still works, the new one not yet; the admin is
    // still logged in.
    assert.equal(await loginStatus(SECOND), 401);
    assert.equal(await loginStatus(FIRST), 200);
    assert.equal(await apiStatus(page), 200);

    await form.getByLabel('Your password (admin@pve)', { exact: true }).fill(server.adminPassword);
    await form.getByRole('button', { name: 'Set password', exact: true }).click();
    await page.getByText(`Password of ${USER} set`).waitFor();
    // Back on the button that opened the form.
    await page
      .getByRole('button', { name: `Set password of ${USER}` })
      .and(page.locator(':focus'))
      .waitFor();
    assert.equal(await loginStatus(FIRST), 401);
  });

  it('lets the user log in with the new password in another browser', async () => {
    bob = await device();
    await loginThroughForm(bob, server, 'bob', SECOND, 'pve');
    assert.equal(await apiStatus(bob), 200);
  });

  it('shows the user’s groups, API token, second factor and permissions in its view', async () => {
    const login = await callApi(server, 'POST', '/access/ticket', {
      username: USER,
      password: SECOND,
    });
    const data = login.data as { ticket: string; CSRFPreventionToken: string };
    const own: Ticket = { ticket: data.ticket, csrf: data.CSRFPreventionToken };
    const token = await callApi(server, 'POST', `/access/users/${USER}/token/ci`, {}, own);
    assert.equal(token.status, 200);
    const keys = await callApi(
      server,
      'POST',
      `/access/tfa/${USER}`,
      { type: 'recovery', password: SECOND },
      own,
    );
    assert.equal(keys.status, 200, keys.message);

    await openUsers(page);
    await page.getByRole('link', { name: USER, exact: true }).click();
    const heading = page.getByRole('heading', { level: 2, name: `User ${USER}` });
    await heading.and(page.locator(':focus')).waitFor();
    await page
      .getByRole('list', { name: `Groups of ${USER}` })
      .getByText(GROUP)
      .waitFor();
    const tokens = page.getByRole('table', { name: `API tokens of ${USER}` });
    const ci = tokens.locator('tbody tr', { hasText: 'ci' });
    await ci.waitFor();
    assert.match(await ci.innerText(), /never/);
    assert.match(await ci.innerText(), /Yes/, 'privilege separation');
    const factors = page.getByRole('table', { name: `Second factors of ${USER}` });
    await factors.locator('tbody tr', { hasText: 'Recovery keys' }).waitFor();
    await page.getByRole('table', { name: `Effective permissions of ${USER}` }).waitFor();
    await page.getByRole('button', { name: `Set password of ${USER}` }).waitFor();
    await screenshot(page, 'user-detail');

    await page.setViewportSize({ width: 400, height: 900 });
    const overflow = await page.evaluate<number>(
      'document.documentElement.scrollWidth - document.documentElement.clientWidth',
    );
    assert.ok(overflow <= 0, `the view is ${String(overflow)} px wider than 400 px`);
    await screenshot(page, 'user-detail-400');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('logs the user out everywhere from its view', async () => {
    await page.getByRole('button', { name: `Log out ${USER} everywhere` }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText(`End every session of ${USER}?`).waitFor();
    await dialog.getByRole('button', { name: 'Log out everywhere' }).click();
    await page.getByText(`${USER} logged out everywhere.`).waitFor();
    assert.equal(await apiStatus(bob), 401);
    assert.equal(await apiStatus(page), 200, 'the administrator stays logged in');
  });

  it('shows an auditor the view without Set password or Log out everywhere', async () => {
    await createPveUser(server, admin, 'carol', FIRST);
    await adminCall(server, admin, 'PUT', '/access/acl', {
      path: '/',
      roles: 'PVEAuditor',
      users: 'carol@pve',
    });
    const carol = await device();
    await loginThroughForm(carol, server, 'carol', FIRST, 'pve');
    await openUsers(carol);
    await carol.getByRole('link', { name: USER, exact: true }).waitFor();
    assert.equal(await carol.getByRole('button', { name: `Edit ${USER}` }).count(), 0);
    assert.equal(
      await carol.getByRole('button', { name: `Log out ${USER} everywhere` }).count(),
      0,
    );

    await carol.getByRole('link', { name: USER, exact: true }).click();
    await carol.getByRole('heading', { level: 2, name: `User ${USER}` }).waitFor();
    await carol.getByRole('table', { name: `API tokens of ${USER}` }).waitFor();
    await carol.getByRole('table', { name: `Second factors of ${USER}` }).waitFor();
    assert.equal(await carol.getByRole('button', { name: /^Set password/ }).count(), 0);
    assert.equal(
      await carol.getByRole('button', { name: `Log out ${USER} everywhere` }).count(),
      0,
    );
    assert.equal(await carol.getByRole('button', { name: 'Unlock TFA' }).count(), 0);
  });
});
