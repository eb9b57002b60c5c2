/**
 * The administration pages in a real browser against `tessera serve`: a user (after field
 * errors), a group with the user in it, an ACL entry, the user's effective permissions and the
 * explanation, an API token whose secret is shown once and works, an LDAP realm (against a
 * private slapd) with a sync dry run, roles, pools, an OpenID realm, the Diagnostics page with
 * the trail of those changes (and of a refused one), removals behind a confirmation, and the
 * users page on a 375 px screen. One browser, one page; the steps build on each other.
 * Screenshots go to test-results/.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { startSlapd, type Slapd } from '../support/slapd.js';
import {
  loginThroughForm,
  openBrowser,
  screenshot,
  startUiServer,
  type UiServer,
} from '../support/ui.js';

const USER = 'alice@pve';
const GROUP = 'ops';

describe('web interface: administration pages', () => {
  let server: UiServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let slapd: Slapd;
  let loggedIn: string;

  before(async () => {
    [server, browser, slapd] = await Promise.all([
      startUiServer(),
      openBrowser(),
      startSlapd({
        users: [{ uid: 'dora', password: 'dora-pw', givenName: 'Dora', mail: 'dora@example.com' }],
        groups: [{ cn: 'staff', members: ['dora'] }],
      }),
    ]);
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], {
      origin: server.url.replace(/\/$/, ''),
    });
    page = await context.newPage();
    page.setDefaultTimeout(8000);
    loggedIn = await logIn(page, server);
  });

  after(async () => {
    await context.close();
    await browser.close();
    await server.close();
    await slapd.destroy();
  });

  /** Opens a page through the navigation. */
  async function open(title: string): Promise<void> {
    await page.getByRole('navigation').getByRole('link', { name: title, exact: true }).click();
    await page.getByRole('heading', { level: 1, name: title, exact: true }).waitFor();
  }

  /** The error shown under the field labelled `label`. */
  function errorOf(label: string): Locator {
    return page
      .locator('.field', { has: page.getByLabel(label, { exact: true }) })
      .locator('.field-error');
  }

  function row(text: string): Locator {
    return page.locator('tbody tr', { hasText: text });
  }

  it('creates a user, showing field errors next to their fields first', async (t) => {
    t.diagnostic(`logged in ${loggedIn}`);
    await open('Users');
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.getByLabel('User ID', { exact: true }).fill('alice');
    await page.getByRole('button', { name: 'Create user' }).click();
    await errorOf('User ID').filter({ hasText: 'valid user name' }).waitFor();

    await page.getByLabel('User ID', { exact: true }).fill(USER);
    await page.getByLabel('Password', { exact: true }).fill('correct horse battery');
    await page.getByLabel('Repeat password', { exact: true }).fill('correct horse battery');
    await page.getByLabel('First name').fill('Alice');
    await page.getByLabel('Last name').fill('Liddell');
    await page.getByLabel('Email', { exact: true }).fill('not-an-email');
    await page.getByRole('button', { name: 'Create user' }).click();
    // The server's answer: 400 with errors.email, shown at the email field.
    await errorOf('Email').filter({ hasText: 'valid email' }).waitFor();
    assert.equal(await errorOf('User ID').count(), 0);
    assert.equal(
      await page.getByLabel('Email', { exact: true }).getAttribute('aria-invalid'),
      'true',
    );

    await page.getByLabel('Email', { exact: true }).fill('alice@example.com');
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByText(`User ${USER} created.`).waitFor();
    const alice = row(USER);
    await alice.waitFor();
    assert.match(await alice.innerText(), /Alice Liddell/);
    assert.match(await alice.innerText(), /alice@example\.com/);

    // The table filters.
    await page.getByLabel('Filter users').fill('alice');
    assert.equal(await page.locator('tbody tr').count(), 1);
    await page.getByLabel('Filter users').fill('');
  });

  it('creates a group and puts the user in it', async () => {
    await open('Groups');
    await page.getByRole('button', { name: 'Add group' }).click();
    await page.getByLabel('Group ID').fill(GROUP);
    await page.getByLabel('Comment').fill('Operators');
    await page.getByRole('button', { name: 'Create group' }).click();
    await row(GROUP).filter({ hasText: 'Operators' }).waitFor();

    await open('Users');
    await page.getByRole('button', { name: `Edit ${USER}` }).click();
    await page.getByRole('group', { name: 'Groups' }).getByLabel(GROUP).check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText(`User ${USER} saved.`).waitFor();
    await row(USER).locator('td[data-label="Groups"]', { hasText: GROUP }).waitFor();
    await screenshot(page, 'users');

    await open('Groups');
    await row(GROUP).locator('td[data-label="Members"]', { hasText: USER }).waitFor();
  });

  it('adds an ACL entry for the user', async () => {
    await open('Permissions');
    await page.getByRole('button', { name: 'Add permission' }).click();
    await page.getByLabel('Path', { exact: true }).fill('/vms');
    await page.getByLabel('Type', { exact: true }).selectOption('user');
    await page.getByLabel('User', { exact: true }).fill(USER);
    await page.getByLabel('Role', { exact: true }).selectOption('PVEVMUser');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    const entry = row('/vms').filter({ hasText: USER });
    await entry.waitFor();
    assert.match(await entry.innerText(), /PVEVMUser/);
    assert.match(await entry.locator('td[data-label="Propagate"]').innerText(), /Yes/);
    await screenshot(page, 'acl');
  });

  it("shows the user's effective permissions and explains one", async () => {
    await open('Effective permissions');
    await page.getByLabel('User or API token ID').fill(USER);
    await page.getByLabel('Path', { exact: true }).fill('/vms/100');
    await page.getByRole('button', { name: 'Show permissions' }).click();
    await row('VM.PowerMgmt').waitFor();
    assert.match(await row('VM.PowerMgmt').innerText(), /\/vms\/100/);
    await row('Sys.Audit').first().waitFor({ state: 'detached' });

    await page.getByLabel('Privilege', { exact: true }).selectOption('VM.PowerMgmt');
    await page.getByRole('button', { name: 'Explain' }).click();
    const text = page.locator('pre.log');
    await text.waitFor();
    assert.match(await text.innerText(), /alice@pve on \/vms\/100: VM\.PowerMgmt is GRANTED/);
    assert.match(await text.innerText(), /PVEVMUser/);
    await page.locator('.verdict.granted').waitFor();
    await screenshot(page, 'effective');
  });

  it('creates an API token, shows its secret once, and the secret works', async () => {
    await open('API tokens');
    await page.getByRole('button', { name: 'Add token' }).click();
    await page.getByLabel('Token name').fill('ci');
    await page.getByLabel('Comment').fill('build pipeline');
    await page.getByLabel('Privilege separation').uncheck();
    await page.getByRole('button', { name: 'Create token' }).click();
    const box = page.locator('section.secret-box');
    await box.waitFor();
    assert.match(await box.innerText(), /shown only this once/);
    const secret = (await box.locator('code.secret').innerText()).trim();
    assert.match(secret, /^[0-9a-f-]{36}$/);
    await box.getByRole('button', { name: 'Copy' }).click();
    await box.getByText('The secret is on the clipboard.').waitFor();
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), secret);
    await screenshot(page, 'tokens');

    await box.getByRole('button', { name: 'Done' }).click();
    await box.waitFor({ state: 'detached' });
    await row('ci').filter({ hasText: 'build pipeline' }).waitFor();
    assert.equal(await page.getByText(secret).count(), 0);

    const response = await fetch(new URL('/api2/json/access/permissions', server.url), {
      headers: { Authorization: `PVEAPIToken=admin@pve!ci=${secret}` },
    });
    assert.equal(response.status, 200);

    // Revoking asks first.
    await page.getByRole('button', { name: 'Revoke admin@pve!ci' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke token' }).click();
    await page.getByText('Token admin@pve!ci revoked.').waitFor();
    const gone = await fetch(new URL('/api2/json/access/permissions', server.url), {
      headers: { Authorization: `PVEAPIToken=admin@pve!ci=${secret}` },
    });
    assert.equal(gone.status, 401);
  });

  it('adds an LDAP realm and dry-runs a sync', async () => {
    await open('Realms');
    await page.getByRole('button', { name: 'Add realm' }).click();
    await page.getByLabel('Realm', { exact: true }).fill('corp');
    await page.getByRole('button', { name: 'Add realm' }).click();
    await errorOf('Server (required)').waitFor();
    await errorOf('Base DN (required)').waitFor();

    await page.getByLabel('Server (required)').fill('127.0.0.1');
    await page.getByLabel('Port', { exact: true }).fill(String(slapd.port));
    await page.getByLabel('Base DN (required)').fill(slapd.peopleDn);
    await page.getByLabel('User attribute (required)').fill('uid');
    await page.getByLabel('Bind DN', { exact: true }).fill(slapd.serviceDn);
    await page.getByLabel('Bind password').fill(slapd.servicePassword);
    await page.getByLabel('Group base DN').fill(slapd.groupsDn);
    await page.getByLabel('Sync attributes').fill('email=mail,firstname=givenName');
    await page.getByRole('button', { name: 'Add realm' }).click();
    await page.getByText('Realm corp added.').waitFor();
    assert.match(await row('corp').innerText(), /LDAP/);

    // Editing: the stored options come back, the bind password does not.
    await page.getByRole('button', { name: 'Edit corp' }).click();
    assert.equal(await page.getByLabel('User attribute (required)').inputValue(), 'uid');
    assert.equal(await page.getByLabel('Bind password').inputValue(), '');
    await page.getByLabel('Comment').fill('The directory');
    await page.getByRole('button', { name: 'Save' }).click();
    await row('corp').filter({ hasText: 'The directory' }).waitFor();

    await page.getByRole('button', { name: 'Sync corp' }).click();
    assert.equal(await page.getByLabel(/^Dry run/).isChecked(), true);
    await page.getByRole('button', { name: 'Dry run', exact: true }).click();
    // The sync runs as a task: its log arrives while it runs, then its end.
    const panel = page.getByRole('region', { name: 'Sync realm corp' });
    await panel.getByRole('status').filter({ hasText: 'Task finished: OK' }).waitFor();
    const log = panel.getByLabel('Sync log');
    assert.match(await log.innerText(), /dora@corp/);
    assert.match(await log.innerText(), /TASK OK$/);
    await screenshot(page, 'realm-sync');

    // A scheduled sync of the realm: a bad schedule is named at its field, a good one listed.
    const jobs = panel.getByRole('form', { name: 'Add a scheduled sync' });
    await jobs.getByLabel('Job ID').fill('nightly');
    await jobs.getByLabel('Schedule', { exact: true }).fill('mon..fri 25:61');
    await jobs.getByRole('button', { name: 'Add job' }).click();
    await jobs.getByRole('alert').filter({ hasText: 'invalid calendar event' }).waitFor();
    await jobs.getByLabel('Schedule', { exact: true }).fill('mon..fri 02:30');
    await jobs.getByRole('button', { name: 'Add job' }).click();
    const table = panel.getByRole('table', { name: 'Sync jobs of corp' });
    await table.getByRole('cell', { name: 'mon..fri 02:30' }).waitFor();
    await panel.getByRole('button', { name: 'Delete job nightly' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await panel.getByText('No scheduled syncs for corp.').waitFor();

    await open('Users');
    await row(USER).waitFor();
    assert.equal(await row('dora@corp').count(), 0, 'a dry run creates no user');
  });

  it('manages roles, pools and OpenID realms', async () => {
    await open('Roles');
    assert.match(await row('PVEVMUser').innerText(), /Built-in/);
    await page.getByRole('button', { name: 'Add role' }).click();
    await page.getByLabel('Role ID').fill('Operator');
    await page.getByLabel('Filter privileges').fill('power');
    await page.getByLabel('VM.PowerMgmt', { exact: true }).check();
    await page.getByLabel('Filter privileges').fill('');
    await page.getByLabel('All Datastore.*').check();
    await page.getByRole('button', { name: 'Create role' }).click();
    await page.getByText('Role Operator created.').waitFor();
    assert.match(await row('Operator').innerText(), /Datastore\.AllocateTemplate.*VM\.PowerMgmt/);
    await page.getByRole('button', { name: 'Edit Operator' }).click();
    await page.getByLabel('VM.PowerMgmt', { exact: true }).uncheck();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Role Operator saved.').waitFor();
    // The table reloads after the message: wait for the row without the privilege.
    await row('Operator').filter({ hasNotText: 'VM.PowerMgmt' }).waitFor();
    await page.getByRole('button', { name: 'Delete Operator' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete role' }).click();
    await page.getByText('Role Operator deleted.').waitFor();
    await row('Operator').first().waitFor({ state: 'detached' });

    await open('Pools');
    await page.getByRole('button', { name: 'Add pool' }).click();
    await page.getByLabel('Pool ID').fill('dev');
    await page.getByLabel('Comment').fill('Development');
    await page.getByRole('button', { name: 'Create pool' }).click();
    await row('dev').filter({ hasText: 'Development' }).waitFor();
    await page.getByRole('button', { name: 'Edit dev' }).click();
    await page.getByLabel('Comment').fill('Dev machines');
    await page.getByRole('button', { name: 'Save' }).click();
    await row('dev').filter({ hasText: 'Dev machines' }).waitFor();
    await page.getByRole('button', { name: 'Delete dev' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete pool' }).click();
    await page.getByText('Pool dev deleted.').waitFor();

    await open('Realms');
    await page.getByRole('button', { name: 'Add realm' }).click();
    await page.getByLabel('Realm', { exact: true }).fill('sso');
    await page.getByLabel('Type', { exact: true }).selectOption('openid');
    await page.getByLabel('Issuer URL (required)').fill('https://id.example.com/realms/main');
    await page.getByLabel('Client ID (required)').fill('tessera');
    await page.getByLabel('Username claim').fill('email');
    await page.getByLabel('Create users on first login').check();
    await page.getByRole('button', { name: 'Add realm' }).click();
    await page.getByText('Realm sso added.').waitFor();
    assert.match(await row('sso').innerText(), /OpenID Connect/);
    await page.getByRole('button', { name: 'Edit sso' }).click();
    assert.equal(await page.getByLabel('Username claim').isDisabled(), true);
    assert.equal(await page.getByLabel('Create users on first login').isChecked(), true);
    await page.getByLabel('Scopes').fill('openid email');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Realm sso saved.').waitFor();
  });

  it('explains logins, runs the doctor and the audit on the Diagnostics page', async () => {
    await open('Diagnostics');
    const logins = page.getByRole('region', { name: 'Explain logins', exact: true });
    await logins.getByLabel('User', { exact: true }).fill('admin@pve');
    await logins.getByRole('button', { name: 'Explain' }).click();
    // The admin's own successful login through the form is an event (written within a second).
    await page
      .getByRole('cell', { name: /^password$/ })
      .first()
      .waitFor({ timeout: 5000 });
    await page.getByRole('button', { name: 'Run checks' }).click();
    await page.getByRole('cell', { name: 'A way in without external realms' }).waitFor();
    await page.getByRole('button', { name: 'Run the audit' }).click();
    await page.getByRole('table', { name: 'Findings' }).waitFor();
    await screenshot(page, 'diagnostics');
  });

  it('shows the trail of changes, accepted and refused, on the Diagnostics page', async () => {
    // The user (PVEVMUser on /vms only) tries to create a group through the API: refused.
    const login = await fetch(new URL('/api2/json/access/ticket', server.url), {
      method: 'POST',
      body: new URLSearchParams({ username: USER, password: 'correct horse battery' }),
    });
    assert.equal(login.status, 200);
    const { data } = (await login.json()) as {
      data: { ticket: string; CSRFPreventionToken: string };
    };
    const attempt = await fetch(new URL('/api2/json/access/groups', server.url), {
      method: 'POST',
      headers: {
        Cookie: `PVEAuthCookie=${encodeURIComponent(data.ticket)}`,
        CSRFPreventionToken: data.CSRFPreventionToken,
      },
      body: new URLSearchParams({ groupid: 'evil' }),
    });
    assert.equal(attempt.status, 403);

    await open('Diagnostics');
    const changes = page.getByRole('region', { name: 'Changes', exact: true });
    await changes.getByLabel('User', { exact: true }).fill(USER);
    const rows = changes.getByRole('table', { name: 'Configuration changes' }).locator('tbody tr');
    const refused = rows.filter({ hasText: 'create group evil' });
    // Refused attempts reach the store through the batched event log (a write a second).
    for (let tries = 1; ; tries++) {
      await changes.getByRole('button', { name: 'Show changes' }).click();
      try {
        await refused.waitFor({ timeout: 1500 });
        break;
      } catch (err) {
        if (tries === 4) throw err;
      }
    }
    const cell = (row: Locator, column: string): Locator =>
      row.locator(`td[data-label="${column}"]`);

    // Newest first: the refused attempt, by the user, from the API.
    assert.equal(await rows.first().innerText(), await refused.innerText());
    assert.match(await cell(refused, 'Who').innerText(), new RegExp(`^${USER} from \\S+$`));
    assert.match(await cell(refused, 'Time').innerText(), /\d{1,2}:\d{2}/);
    const why = await cell(refused, 'Outcome').innerText();
    assert.match(why, /^refused: permission_denied/);
    assert.match(why, /\/access\/groups, Group\.Allocate/);

    // The administrator's changes of the user, accepted, with the fields given.
    const created = rows.filter({ hasText: `create user ${USER}` }).filter({
      has: page.locator('td[data-label="Outcome"]', { hasText: /^success$/ }),
    });
    assert.match(await cell(created, 'Who').innerText(), /^admin@pve from \S+$/);
    const fields = await cell(created, 'Fields').innerText();
    assert.match(fields, /email=alice@example\.com/);
    assert.match(fields, /password=\(set\)/);
    assert.doesNotMatch(await changes.innerText(), /correct horse battery/);
    await rows
      .filter({ hasText: `update user ${USER}` })
      .filter({ hasText: `groups=${GROUP}` })
      .waitFor();
    const acl = rows.filter({ hasText: 'update acl /vms' });
    assert.match(await cell(acl, 'Fields').innerText(), /roles=PVEVMUser users=alice@pve/);
    assert.equal(await cell(acl, 'Outcome').innerText(), 'success');
    await screenshot(page, 'changes');

    // The entity filter asks the server for ACL changes only.
    await changes.getByLabel('Entity', { exact: true }).selectOption('acl');
    await changes.getByRole('button', { name: 'Show changes' }).click();
    await refused.waitFor({ state: 'detached' });
    assert.deepEqual(await cell(rows, 'What').allInnerTexts(), ['update acl /vms']);
  });

  it('fits the users page on a 375 px screen', async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    await open('Users');
    await row(USER).waitFor();
    const width = await page.evaluate('document.documentElement.scrollWidth');
    assert.ok(typeof width === 'number' && width <= 375, `page is ${String(width)} px wide`);
    await screenshot(page, 'users-375');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('removes the ACL entry, disables and deletes the user, after asking', async () => {
    await open('Permissions');
    await page.getByRole('button', { name: `Remove PVEVMUser for ${USER} on /vms` }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    assert.equal(await row(USER).count(), 1, 'Cancel keeps the entry');
    await page.getByRole('button', { name: `Remove PVEVMUser for ${USER} on /vms` }).click();
    await dialog.getByRole('button', { name: 'Remove' }).click();
    await page.getByText(`Removed PVEVMUser for ${USER} on /vms.`).waitFor();
    await row(USER).first().waitFor({ state: 'detached' });

    await open('Users');
    await page.getByRole('button', { name: `Disable ${USER}` }).click();
    await row(USER).locator('td[data-label="Enabled"]', { hasText: 'No' }).waitFor();
    await page.getByRole('button', { name: `Delete ${USER}` }).click();
    await dialog.getByRole('button', { name: 'Delete user' }).click();
    await page.getByText(`User ${USER} deleted.`).waitFor();
    await row(USER).first().waitFor({ state: 'detached' });
  });
});

/**
 * Logs in as the bootstrap administrator through the login form; while that page is still a
 * placeholder, through the API as ui/src/session.ts does it (ticket cookie, stored session).
 */
async function logIn(page: Page, server: UiServer): Promise<string> {
  await page.goto(server.url);
  const form = await page
    .getByLabel('User name')
    .waitFor({ timeout: 3000 })
    .then(
      () => true,
      () => false,
    );
  if (form) {
    await loginThroughForm(page, server, 'admin', server.adminPassword, 'pve');
    return 'through the login form';
  }
  await page.evaluate(`(async () => {
    const response = await fetch('/api2/json/access/ticket', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: 'admin@pve', password: ${JSON.stringify(server.adminPassword)} }),
    });
    const { data } = await response.json();
    document.cookie = 'PVEAuthCookie=' + encodeURIComponent(data.ticket) + '; path=/; SameSite=Strict';
    sessionStorage.setItem('tessera.session', JSON.stringify({
      username: data.username,
      ticket: data.ticket,
      csrf: data.CSRFPreventionToken,
      cap: data.cap ?? {},
      at: Date.now(),
    }));
  })()`);
  await page.reload();
  await page.getByRole('button', { name: 'Log out', exact: true }).waitFor();
  return 'through the API (the login form is not there yet)';
}
