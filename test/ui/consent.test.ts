/**
 * datacenter.cfg's `consent-text` before the login, as Proxmox's login window shows it: the
 * page comes with the text from the live configuration, the login form follows its OK.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { runCli } from '../support/cli.js';
import { makePveDir } from '../support/pve-dir.js';
import { openBrowser, screenshot, startUiServer, type UiServer } from '../support/ui.js';

const TEXT = 'Authorised use only.\nAccess is logged — Zugriffe werden protokolliert.';

describe('web interface: consent text', { timeout: 60_000 }, () => {
  let server: UiServer;
  let browser: Browser;
  const pveDir = makePveDir({
    'user.cfg': 'user:root@pam:1:0::::::\n',
    'datacenter.cfg': `consent-text: ${Buffer.from(TEXT, 'utf8').toString('base64')}\n`,
  });

  before(async () => {
    [server, browser] = await Promise.all([startUiServer(), openBrowser()]);
  });
  after(async () => {
    await browser.close();
    await server.close();
    pveDir.remove();
  });

  it('shows the login form at once without a consent text', async () => {
    const page = await browser.newPage();
    await page.goto(server.url);
    await page.getByLabel('User name').waitFor();
    assert.equal(await page.getByText('Authorised use only.').count(), 0);
    await page.close();
  });

  it('shows the imported consent text first, then the login form', async () => {
    const store = `sqlite:${join(server.dir, 'tessera.db')}`;
    const imported = await runCli('--store', store, 'import', '--pve-dir', pveDir.path);
    assert.equal(imported.status, 0, imported.stderr);
    // The running server follows the store.
    const deadline = Date.now() + 5000;
    let html = '';
    while (!html.includes('data-consent') && Date.now() < deadline) {
      html = await (await fetch(server.url)).text();
      if (!html.includes('data-consent')) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.match(html, /<div id="root" data-consent="[A-Za-z0-9+/=]+"><\/div>/);

    const page = await browser.newPage();
    await page.goto(server.url);
    const shown = page.locator('.consent-text');
    await shown.waitFor();
    assert.equal(await shown.innerText(), TEXT);
    assert.equal(await page.getByLabel('User name').count(), 0);
    await screenshot(page, 'consent');
    await page.getByRole('button', { name: 'OK', exact: true }).click();
    await page.getByLabel('User name').fill('admin@pve');
    await page.getByLabel('Password', { exact: true }).fill(server.adminPassword);
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await page.getByRole('button', { name: 'Log out', exact: true }).waitFor();
    await page.close();
  });
});
