/**
 * Debian's Ansible (community.general's Proxmox modules, on python3-proxmoxer) against
 * `tessera serve`: `proxmox_user_info`, `proxmox_group_info` and `proxmox_domain_info` with
 * an API token and with a password, and a failing module whose message names the cause, which
 * it reads from the status line.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { call, freePort, start, stop } from '../support/serve.js';

interface ModuleResult {
  readonly failed?: boolean;
  readonly msg?: string;
  readonly proxmox_users?: readonly { userid: string; groups: string[] }[];
  readonly proxmox_groups?: readonly { groupid: string; users: string[] }[];
  readonly proxmox_domains?: readonly { realm: string; type: string }[];
}

/** One module through `ansible localhost -m`, its result read from the JSON callback. */
async function runModule(
  dataDir: string,
  module: string,
  args: Record<string, string>,
): Promise<ModuleResult> {
  const argText = Object.entries(args)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const { stdout } = await promisify(execFile)(
    'ansible',
    [
      'localhost',
      '-c',
      'local',
      '-e',
      'ansible_python_interpreter=/usr/bin/python3',
      '-m',
      `community.general.${module}`,
      '-a',
      argText,
    ],
    {
      env: {
        ...process.env,
        ANSIBLE_LOAD_CALLBACK_PLUGINS: '1',
        ANSIBLE_STDOUT_CALLBACK: 'json',
        ANSIBLE_LOCALHOST_WARNING: '0',
        ANSIBLE_INVENTORY_UNPARSED_WARNING: '0',
        ANSIBLE_LOCAL_TEMP: join(dataDir, 'ansible-tmp'),
        ANSIBLE_HOME: join(dataDir, 'ansible-home'),
        PYTHONWARNINGS: 'ignore',
      },
    },
  ).catch((err: unknown) => {
    // A failed module exits with 2; its JSON is on stdout all the same.
    const out = (err as { stdout?: string }).stdout;
    if (out === undefined || out === '') throw err;
    return { stdout: out };
  });
  const report = JSON.parse(stdout) as {
    plays: { tasks: { hosts: Record<string, ModuleResult> }[] }[];
  };
  const result = report.plays[0]?.tasks[0]?.hosts['localhost'];
  assert.ok(result, stdout);
  return result;
}

describe('Ansible community.general Proxmox modules (Debian)', { timeout: 120_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-ansible-'));
  after(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('reads users, groups and realms, and names the cause of a failure', async () => {
    const port = await freePort();
    const server = start(dataDir, port);
    await server.ready;
    const password = /password: (\S+)/.exec(server.output())?.[1] ?? '';
    const ca = readFileSync(join(dataDir, 'tessera.crt'));
    try {
      const login = await call(port, ca, 'POST', '/access/ticket', {
        username: 'admin@pve',
        password,
      });
      const { ticket, CSRFPreventionToken: csrf } = login.body.data as {
        ticket: string;
        CSRFPreventionToken: string;
      };
      const auth = {
        cookie: `PVEAuthCookie=${encodeURIComponent(ticket)}`,
        csrfpreventiontoken: csrf,
      };
      assert.equal(
        (await call(port, ca, 'POST', '/access/groups', { groupid: 'ops' }, auth)).status,
        200,
      );
      await call(port, ca, 'PUT', '/access/users/admin@pve', { groups: 'ops' }, auth);
      const token = await call(
        port,
        ca,
        'POST',
        '/access/users/admin@pve/token/ansible',
        { privsep: '0' },
        auth,
      );
      const secret = (token.body.data as { value: string }).value;

      const host = { api_host: `127.0.0.1:${String(port)}`, validate_certs: 'false' };
      const withToken = {
        ...host,
        api_user: 'admin@pve',
        api_token_id: 'ansible',
        api_token_secret: secret,
      };
      const users = await runModule(dataDir, 'proxmox_user_info', withToken);
      assert.equal(users.failed, undefined, users.msg);
      assert.deepEqual(users.proxmox_users?.map((u) => [u.userid, u.groups]).sort(), [
        ['admin@pve', ['ops']],
        ['root@pam', []],
      ]);
      const groups = await runModule(dataDir, 'proxmox_group_info', withToken);
      assert.deepEqual(
        groups.proxmox_groups?.map((g) => [g.groupid, g.users]),
        [['ops', ['admin@pve']]],
      );
      const domains = await runModule(dataDir, 'proxmox_domain_info', {
        ...host,
        api_user: 'admin@pve',
        api_password: password,
      });
      assert.deepEqual(domains.proxmox_domains?.map((d) => d.realm).sort(), ['pam', 'pve']);

      const refused = await runModule(dataDir, 'proxmox_user_info', {
        ...withToken,
        api_token_secret: '00000000-0000-0000-0000-000000000000',
      });
      assert.equal(refused.failed, true);
      // The body is empty, as from pveproxy; proxmoxer appends what it could not parse.
      assert.equal(refused.msg, '401 Unauthorized: Authentication failed!');
    } finally {
      assert.equal(await stop(server.child), 0);
    }
  });
});
