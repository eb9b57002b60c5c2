/**
 * Helpers for the login and account tests of the web interface: API calls as the bootstrap
 * administrator (to create users and realms), the login form driven up to the second-factor
 * step, and TOTP codes of an enrolled secret.
 */
import type { Locator, Page } from 'playwright-core';
import { parseTotpUri } from '../../src/model/totp-uri.js';
import { hotpCode, totpStep } from '../../src/tfa/totp.js';
import type { UiServer } from './ui.js';

export interface Ticket {
  readonly ticket: string;
  readonly csrf: string;
}

export interface ApiAnswer {
  readonly status: number;
  readonly data: unknown;
  readonly message?: string;
}

export async function callApi(
  server: UiServer,
  method: string,
  path: string,
  form: Record<string, string> = {},
  auth?: Ticket,
): Promise<ApiAnswer> {
  const body = new URLSearchParams(form).toString();
  const response = await fetch(
    `${server.url}api2/json${path}${method === 'GET' && body !== '' ? `?${body}` : ''}`,
    {
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
      ...(method === 'GET' ? {} : { body }),
    },
  );
  const json = (await response.json()) as { data?: unknown; message?: string };
  return {
    status: response.status,
    data: json.data,
    ...(json.message !== undefined ? { message: json.message } : {}),
  };
}

/** A ticket of the bootstrap administrator, admin@pve. */
export async function adminTicket(server: UiServer): Promise<Ticket> {
  const answer = await callApi(server, 'POST', '/access/ticket', {
    username: 'admin@pve',
    password: server.adminPassword,
  });
  const data = answer.data as { ticket?: string; CSRFPreventionToken?: string } | undefined;
  if (answer.status !== 200 || data?.ticket === undefined)
    throw new Error(`admin login failed: ${String(answer.status)} ${answer.message ?? ''}`);
  return { ticket: data.ticket, csrf: data.CSRFPreventionToken ?? '' };
}

/** Calls the API as admin and fails unless it answers 200. */
export async function adminCall(
  server: UiServer,
  admin: Ticket,
  method: string,
  path: string,
  form: Record<string, string> = {},
): Promise<unknown> {
  const answer = await callApi(server, method, path, form, admin);
  if (answer.status !== 200)
    throw new Error(
      `${method} ${path}: ${String(answer.status)} ${answer.message ?? ''} ${JSON.stringify(answer.data)}`,
    );
  return answer.data;
}

export async function createPveUser(
  server: UiServer,
  admin: Ticket,
  name: string,
  password: string,
): Promise<string> {
  const userid = `${name}@pve`;
  await adminCall(server, admin, 'POST', '/access/users', { userid, password });
  return userid;
}

export async function logout(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Log out', exact: true }).click();
  await page.getByLabel('User name').waitFor();
}

/** The TOTP code of an `otpauth://` URI, `offset` steps from now. */
export function totpCode(uri: string, offset = 0, now: number = Date.now()): string {
  const params = parseTotpUri(uri);
  return hotpCode(params, totpStep(params, Math.floor(now / 1000)) + offset);
}

/** Whether the located element has the keyboard focus. */
export async function hasFocus(page: Page, locator: Locator): Promise<boolean> {
  return (await locator.and(page.locator(':focus')).count()) === 1;
}
