/**
 * The API tokens and Two Factor pages in a real browser against `tessera serve`: the
 * administrator (admin@pve) sees bob@pve's token among everyone's, filters by user,
 * regenerates its secret (the old one is refused, the new one works) and revokes it; sees
 * bob's TOTP factor, disables it (bob's login no longer asks for it), enables it again and
 * deletes it, each after re-entering the password; unlocks a user whose TOTP locked. A user
 * without privileges sees only their own token and no Two Factor page. One browser, one
 * server; the steps build on each other. Screenshots go to test-results/.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import {
  adminCall,
  adminTicket,
  callApi,
  createPveUser,
  hasFocus,
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

const PASSWORD = 'correct horse battery';
const BOB = 'bob@pve';
const TOKEN = `${BOB}!monitoring`;

describe('web interface: API tokens and second factors', { timeout: 120_000 }, () => {
  let server: UiServer;
  let browser: Browser;
  let admin: Ticket;
  let context: BrowserContext;
  let page: Page;
  let secret: string;

  /** The status of an API read with the token `tokenid` and `value`. */
  const tokenStatus = async (tokenid: string, value: string): Promise<number> => {
    const response = await fetch(`${server.url}api2/json/access/permissions`, {
      headers: { authorization: `PVEAPIToken=${tokenid}=${value}` },
    });
    return response.status;
  };

  /** Whether `userid`'s password login stops at the second-factor step. */
  const asksSecondFactor = async (userid: string): Promise<boolean> => {
    const answer = await callApi(server, 'POST', '/access/ticket', {
      username: userid,
      password: PASSWORD,
    });
    assert.equal(answer.status, 200, answer.message);
    return (answer.data as { NeedTFA?: number }).NeedTFA === 1;
  };

  /** Enrolls a TOTP factor for `userid`, as the administrator; returns its URI. */
  const enrollTotp = async (userid: string, description: string): Promise<string> => {
    const path = `/access/tfa/${encodeURIComponent(userid)}`;
    const { uri } = (await adminCall(server, admin, 'GET', `${path}/totp-enrollment`)) as {
      uri: string;
    };
    await adminCall(server, admin, 'POST', path, {
      type: 'totp',
      description,
      totp: uri,
      value: totpCode(uri),
      password: server.adminPassword,
    });
    return uri;
  };

  before(async () => {
    // One wrong TOTP code locks TOTP, so that a locked user takes one failed login.
    [server, browser] = await Promise.all([
      startUiServer(['--totp-failure-limit', '1']),
      openBrowser(),
    ]);
    admin = await adminTicket(server);
    for (const name of ['bob', 'carol', 'dave']) await createPveUser(server, admin, name, PASSWORD);
    const created = (await adminCall(
      server,
      admin,
      'POST',
      '/access/users/bob%40pve/token/monitoring',
      { comment: 'flagged by the audit' },
    )) as { value: string };
    secret = created.value;
    await adminCall(server, admin, 'POST', '/access/users/bob%40pve/token/ci', {
      expire: '1000000000',
    });
    await adminCall(server, admin, 'POST', '/access/users/carol%40pve/token/backup');
    await enrollTotp(BOB, 'phone');

    // dave's TOTP locks at his first wrong code.
    const daveUri = await enrollTotp('dave@pve', 'tablet');
    const partial = await callApi(server, 'POST', '/access/ticket', {
      username: 'dave@pve',
      password: PASSWORD,
    });
    const wrong = totpCode(daveUri, 10) === '000000' ? '111111' : '000000';
    const failed = await callApi(server, 'POST', '/access/ticket', {
      username: 'dave@pve',
      'tfa-challenge': (partial.data as { ticket: string }).ticket,
      password: `totp:${wrong}`,
    });
    assert.equal(failed.status, 401);

    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(8000);
    await loginThroughForm(page, server, 'admin', server.adminPassword, 'pve');
  });

  after(async () => {
    await context.close();
    await browser.close();
    await server.close();
  });

  async function open(on: Page, title: string): Promise<void> {
    await on.getByRole('navigation').getByRole('link', { name: title, exact: true }).click();
    await on.getByRole('heading', { level: 1, name: title, exact: true }).waitFor();
  }

  function row(text: string): Locator {
    return page.locator('tbody tr', { hasText: text });
  }

  it("lists every user's tokens, with expiry and privilege separation, by user", async () => {
    await open(page, 'API tokens');
    const bob = row(TOKEN);
    await bob.waitFor();
    assert.match(await bob.innerText(), /never/);
    assert.match(await bob.innerText(), /flagged by the audit/);
    assert.match(await row(`${BOB}!ci`).innerText(), /2001-09-0\d \(expired\)/);
    await row('carol@pve!backup').waitFor();
    await screenshot(page, 'tokens-all');

    await page.getByLabel('Filter by user').selectOption(BOB);
    assert.equal(await page.locator('tbody tr').count(), 2);
    assert.equal(await row('carol@pve').count(), 0);
    // The audit's name for it finds it too.
    await page.getByLabel('Filter API tokens').fill(TOKEN);
    assert.equal(await page.locator('tbody tr').count(), 1);
  });

  it("regenerates bob's token: the new secret is shown once, the old one is refused", async () => {
    assert.equal(await tokenStatus(TOKEN, secret), 200);
    await page.getByRole('button', { name: `Regenerate ${TOKEN}` }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText(`Give ${TOKEN} a new secret?`).waitFor();
    await dialog.getByRole('button', { name: 'Regenerate secret' }).click();
    const panel = page.getByRole('region', { name: `Token ${TOKEN} regenerated` });
    await panel.waitFor();
    assert.ok(await hasFocus(page, panel.getByRole('heading')), 'the secret takes the focus');
    const fresh = (await panel.locator('code.secret').innerText()).trim();
    assert.notEqual(fresh, secret);
    assert.equal(await tokenStatus(TOKEN, secret), 401, 'the old secret is refused');
    assert.equal(await tokenStatus(TOKEN, fresh), 200, 'the new secret works');
    await panel.getByRole('button', { name: 'Done' }).click();
    secret = fresh;
  });

  it("revokes bob's token after a confirmation: its calls are refused", async () => {
    await page.getByRole('button', { name: `Revoke ${TOKEN}` }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText(`Revoke the token ${TOKEN}?`).waitFor();
    await dialog.getByRole('button', { name: 'Revoke token' }).click();
    await page.getByText(`Token ${TOKEN} revoked.`).waitFor();
    await page.getByRole('cell', { name: `No API tokens of ${BOB}.` }).waitFor({ timeout: 8000 });
    assert.ok(await hasFocus(page, page.getByLabel('Filter by user')));
    assert.equal(await tokenStatus(TOKEN, secret), 401);
    await page.getByLabel('Filter API tokens').fill('');
  });

  it("shows bob's TOTP factor and disables it: his login no longer asks for it", async () => {
    await open(page, 'Two Factor');
    const bob = row(BOB);
    await bob.waitFor();
    assert.match(await bob.innerText(), /TOTP app/);
    assert.match(await bob.innerText(), /phone/);
    assert.match(await bob.innerText(), /Yes/);
    await page.getByRole('region', { name: 'Locked users' }).getByText('dave@pve').waitFor();
    assert.match(await row('dave@pve').innerText(), /Yes \(locked\)/);
    await screenshot(page, 'two-factor');
    assert.equal(await asksSecondFactor(BOB), true);

    await page.getByRole('button', { name: `Disable TOTP app “phone” of ${BOB}` }).click();
    const dialog = page.getByRole('dialog', { name: `Disable TOTP app “phone” of ${BOB}?` });
    const password = dialog.getByLabel('Current password');
    await password.waitFor();
    assert.ok(await hasFocus(page, password), 'the password field takes the focus');
    // A wrong password is refused at its field.
    await password.fill('not the password');
    await dialog.getByRole('button', { name: 'Disable', exact: true }).click();
    await dialog.locator('.field-error').filter({ hasText: 'Not accepted.' }).waitFor();
    await password.fill(server.adminPassword);
    await dialog.getByRole('button', { name: 'Disable', exact: true }).click();
    await page.getByText(`TOTP app “phone” of ${BOB} disabled.`).waitFor();
    await row(BOB).filter({ hasText: /No/ }).waitFor();
    assert.equal(await asksSecondFactor(BOB), false);
  });

  it('enables it again, then deletes it', async () => {
    await page.getByRole('button', { name: `Enable TOTP app “phone” of ${BOB}` }).click();
    let dialog = page.getByRole('dialog');
    await dialog.getByLabel('Current password').fill(server.adminPassword);
    await dialog.getByRole('button', { name: 'Enable', exact: true }).click();
    await page.getByText(`TOTP app “phone” of ${BOB} enabled.`).waitFor();
    assert.equal(await asksSecondFactor(BOB), true);

    await page.getByRole('button', { name: `Delete TOTP app “phone” of ${BOB}` }).click();
    dialog = page.getByRole('dialog');
    await dialog.getByText('It cannot be used to log in any more.').waitFor();
    await dialog.getByLabel('Current password').fill(server.adminPassword);
    await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByText(`TOTP app “phone” of ${BOB} deleted.`).waitFor();
    assert.ok(await hasFocus(page, page.getByLabel('Filter by user')));
    await row(BOB).waitFor({ state: 'detached' });
    const left = await adminCall(server, admin, 'GET', '/access/tfa/bob%40pve');
    assert.deepEqual(left, []);
    assert.equal(await asksSecondFactor(BOB), false);
  });

  it('unlocks a locked user', async () => {
    await page.getByRole('button', { name: 'Unlock second factors of dave@pve' }).click();
    await page.getByText('Second factors of dave@pve unlocked.').waitFor();
    await page.getByRole('region', { name: 'Locked users' }).waitFor({ state: 'detached' });
    const users = (await adminCall(server, admin, 'GET', '/access/tfa')) as {
      userid: string;
      'totp-locked'?: boolean;
    }[];
    assert.equal(users.find((u) => u.userid === 'dave@pve')?.['totp-locked'], undefined);
    assert.doesNotMatch(await row('dave@pve').innerText(), /locked/);
  });

  it('fits both pages on a 400 px screen', async () => {
    await page.setViewportSize({ width: 400, height: 800 });
    for (const [title, shot] of [
      ['Two Factor', 'two-factor-400'],
      ['API tokens', 'tokens-400'],
    ] as const) {
      await open(page, title);
      await page.locator('tbody tr').first().waitFor();
      const width = await page.evaluate('document.documentElement.scrollWidth');
      assert.ok(typeof width === 'number' && width <= 400, `${title} is ${String(width)} px wide`);
      await screenshot(page, shot);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it("shows a user without privileges neither others' tokens nor the Two Factor page", async () => {
    const own = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const carol = await own.newPage();
      carol.setDefaultTimeout(8000);
      await loginThroughForm(carol, server, 'carol', PASSWORD, 'pve');
      const nav = carol.getByRole('navigation');
      await nav.getByRole('link', { name: 'API tokens', exact: true }).waitFor();
      assert.equal(await nav.getByRole('link', { name: 'Two Factor', exact: true }).count(), 0);
      await open(carol, 'API tokens');
      await carol.locator('tbody tr', { hasText: 'carol@pve!backup' }).waitFor();
      assert.equal(await carol.locator('tbody tr').count(), 1, 'only her own token');
      assert.equal(await carol.locator('tbody tr', { hasText: BOB }).count(), 0);
      // Her own she may revoke and regenerate.
      await carol.getByRole('button', { name: 'Revoke carol@pve!backup' }).waitFor();
      // Typed in by hand, the page is not there either: the first page shows instead.
      await carol.goto(`${server.url}#/admin/tfa`);
      await carol.getByRole('heading', { level: 1, name: 'My account' }).waitFor();
    } finally {
      await own.close();
    }
  });
});
