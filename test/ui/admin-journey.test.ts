/**
 * The check of the administration pages as one journey, driven only by what the interface
 * shows (navigation links, headings, button and field names; no selectors of its markup): an
 * administrator resets bob's password, revokes bob's API token, removes bob's second factor
 * and reads that eve changed an ACL, and when; an auditor sees the same pages without one
 * control that changes anything, and a user with no privileges sees none of these pages.
 * Each outcome is confirmed through the API, not only on screen.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  adminCall,
  adminTicket,
  callApi,
  createPveUser,
  totpCode,
  type Ticket,
} from '../support/ui-login.js';
import {
  loginThroughForm,
  openBrowser,
  screenshot,
  startUiServer,
  type UiServer,
} from '../support/ui.js';

const BOB = 'bob@pve';
const PASSWORD = 'bob first password';
const RESET = 'bob reset password 7';
const TOKEN = `${BOB}!monitoring`;

describe('web interface: an administrator’s first tasks, and who may not do them', () => {
  let server: UiServer;
  let browser: Browser;
  let admin: Ticket;
  let tokenSecret: string;

  /** A new page, logged in through the form as `name@pve`. */
  async function loggedIn(name: string, password: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(8000);
    await loginThroughForm(page, server, name, password, 'pve');
    return page;
  }

  async function open(page: Page, title: string): Promise<void> {
    await page.getByRole('navigation').getByRole('link', { name: title, exact: true }).click();
    await page.getByRole('heading', { level: 1, name: title, exact: true }).waitFor();
  }

  async function navigation(page: Page): Promise<string[]> {
    return page.getByRole('navigation').getByRole('link').allInnerTexts();
  }

  before(async () => {
    [server, browser] = await Promise.all([startUiServer(), openBrowser()]);
    admin = await adminTicket(server);
    for (const name of ['bob', 'eve', 'carol', 'dan'])
      await createPveUser(server, admin, name, PASSWORD);
    await adminCall(server, admin, 'PUT', '/access/acl', {
      path: '/vms',
      roles: 'Administrator',
      users: 'eve@pve',
    });
    await adminCall(server, admin, 'PUT', '/access/acl', {
      path: '/',
      roles: 'PVEAuditor',
      users: 'carol@pve',
    });
    const token = (await adminCall(
      server,
      admin,
      'POST',
      '/access/users/bob%40pve/token/monitoring',
    )) as {
      value: string;
    };
    tokenSecret = token.value;
    await adminCall(server, admin, 'POST', '/access/users/bob%40pve/token/ci');
    const { uri } = (await adminCall(
      server,
      admin,
      'GET',
      '/access/tfa/bob%40pve/totp-enrollment',
    )) as {
      uri: string;
    };
    await adminCall(server, admin, 'POST', '/access/tfa/bob%40pve', {
      type: 'totp',
      description: 'phone',
      totp: uri,
      value: totpCode(uri),
      password: server.adminPassword,
    });
    await adminCall(server, admin, 'POST', '/access/tfa/bob%40pve', {
      type: 'recovery',
      password: server.adminPassword,
    });
    // eve, administrator of the guests, grants bob a role: the change the administrator looks up.
    const eve = await callApi(server, 'POST', '/access/ticket', {
      username: 'eve@pve',
      password: PASSWORD,
    });
    const eveData = eve.data as { ticket: string; CSRFPreventionToken: string };
    const granted = await callApi(
      server,
      'PUT',
      '/access/acl',
      { path: '/vms/100', roles: 'PVEVMUser', users: BOB },
      { ticket: eveData.ticket, csrf: eveData.CSRFPreventionToken },
    );
    assert.equal(granted.status, 200, granted.message);
  });

  after(async () => {
    await browser.close();
    await server.close();
  });

  it('the administrator resets bob’s password, revokes his token, removes his factor, reads who changed an ACL', async () => {
    const page = await loggedIn('admin', server.adminPassword);

    await open(page, 'Users');
    await page.getByRole('button', { name: `Edit ${BOB}` }).click();
    await page.getByRole('button', { name: `Set password of ${BOB}` }).click();
    const form = page.getByRole('region', { name: `Set password of ${BOB}` });
    await form.getByLabel('New password', { exact: true }).fill(RESET);
    await form.getByLabel('Repeat new password', { exact: true }).fill(RESET);
    await form.getByLabel('Your password (admin@pve)', { exact: true }).fill(server.adminPassword);
    await form.getByRole('button', { name: 'Set password', exact: true }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /password/i })
      .first()
      .waitFor();
    const login = await callApi(server, 'POST', '/access/ticket', {
      username: BOB,
      password: RESET,
    });
    assert.equal(login.status, 200, 'bob logs in with the new password');
    const old = await callApi(server, 'POST', '/access/ticket', {
      username: BOB,
      password: PASSWORD,
    });
    assert.equal(old.status, 401, 'and no longer with the old one');

    await open(page, 'API tokens');
    await page.getByRole('button', { name: `Revoke ${TOKEN}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke token' }).click();
    await page.getByText(`Token ${TOKEN} revoked.`).waitFor();
    const refused = await fetch(`${server.url}api2/json/access/permissions`, {
      headers: { authorization: `PVEAPIToken=${TOKEN}=${tokenSecret}` },
    });
    assert.equal(refused.status, 401, 'the revoked token is refused');

    await open(page, 'Two Factor');
    await page.getByRole('button', { name: `Delete TOTP app “phone” of ${BOB}` }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Current password').fill(server.adminPassword);
    await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    const factors = (await adminCall(server, admin, 'GET', '/access/tfa/bob%40pve')) as {
      type: string;
    }[];
    assert.deepEqual(
      factors.map((f) => f.type),
      ['recovery'],
    );

    await open(page, 'Audit');
    await page.getByLabel('Kind').selectOption('change');
    await page.getByRole('button', { name: 'Show events' }).click();
    const change = page.getByRole('row').filter({ hasText: 'update acl /vms/100' });
    await change.waitFor();
    const text = await change.innerText();
    assert.match(text, /eve@pve/, 'who');
    assert.match(text, /roles=PVEVMUser/, 'what');
    assert.match(text, /\b20\d\d\b.*\b\d{1,2}:\d{2}/, `when: ${text}`);
    assert.match(text, /(127\.0\.0\.1|::1)/, 'from where');
    await screenshot(page, 'journey-audit');
    await page.context().close();
  });

  it('an auditor sees the pages but no control that changes anything', async () => {
    const page = await loggedIn('carol', PASSWORD);
    const links = await navigation(page);
    for (const title of ['Users', 'API tokens', 'Two Factor', 'Audit'])
      assert.ok(links.includes(title), title);

    await open(page, 'Users');
    await page.getByRole('link', { name: BOB, exact: true }).waitFor();
    for (const name of [/^Edit /, /^Set password/, /^Log out .* everywhere$/, /^Delete /])
      assert.equal(await page.getByRole('button', { name }).count(), 0, String(name));

    await open(page, 'API tokens');
    await page.getByRole('cell', { name: `${BOB}!ci`, exact: true }).waitFor();
    for (const name of [/^Revoke /, /^Regenerate /])
      assert.equal(await page.getByRole('button', { name }).count(), 0, String(name));

    await open(page, 'Two Factor');
    await page.getByRole('cell', { name: BOB, exact: true }).first().waitFor();
    for (const name of [/^Delete /, /^Disable /, /^Unlock /])
      assert.equal(await page.getByRole('button', { name }).count(), 0, String(name));
    await page.context().close();
  });

  it('a user with no privileges sees none of these pages', async () => {
    const page = await loggedIn('dan', PASSWORD);
    const links = await navigation(page);
    for (const title of ['Users', 'Two Factor', 'Audit', 'Permissions'])
      assert.equal(links.includes(title), false, title);
    await open(page, 'API tokens');
    await page
      .getByText(/no API tokens|No API tokens|nothing/i)
      .first()
      .waitFor();
    assert.equal(await page.getByText(BOB).count(), 0, 'no one else’s tokens');
    await page.context().close();
  });
});
