/**
 * Debian's python3-proxmoxer, a real Proxmox client, against `tessera serve`: it logs in
 * with a password, creates a user, sets an ACL, creates an API token, reads permissions,
 * and then works with that token; its exceptions name the cause of a failure, which they
 * read from the status line.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { freePort, start, stop } from '../support/serve.js';

const SCRIPT = `
import json, sys
from proxmoxer import ProxmoxAPI
host, port, password = sys.argv[1], int(sys.argv[2]), sys.argv[3]
out = {}
pve = ProxmoxAPI(host, port=port, user="admin@pve", password=password, verify_ssl=False)
pve.access.users.post(userid="dora@pve", comment="made by proxmoxer", password="dora password")
pve.access.acl.put(path="/vms/100", roles="PVEVMUser", users="dora@pve")
token = pve.access.users("dora@pve").token("ci").post(comment="ci", privsep=0)
out["token"] = token["full-tokenid"]
out["users"] = sorted(u["userid"] for u in pve.access.users.get())
out["admin_can_modify"] = pve.access.permissions.get(path="/access")["/access"].get("Permissions.Modify")
dora = ProxmoxAPI(host, port=port, user="dora@pve", token_name="ci", token_value=token["value"], verify_ssl=False)
out["token_permissions"] = dora.access.permissions.get(path="/vms/100")
try:
    dora.access.users.post(userid="mallory@pve")
    out["token_denied"] = False
except Exception as e:
    out["token_denied"] = "403" in str(e)
# The cause of a failure reaches proxmoxer's exception through the status line.
out["errors"] = []
for call in (
    lambda: pve.access.users("nobody@pve").get(),
    lambda: pve.access.groups.post(groupid="ops", colour="blue"),
    lambda: dora.access.groups.post(groupid="ops"),
    lambda: ProxmoxAPI(host, port=port, user="dora@pve", token_name="ci", token_value="0", verify_ssl=False).access.users.get(),
):
    try:
        call()
        out["errors"].append(None)
    except Exception as e:
        out["errors"].append(str(e))
print(json.dumps(out))
`;

describe('proxmoxer (python3-proxmoxer from Debian)', { timeout: 60_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-proxmoxer-'));
  after(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('logs in, manages users, ACLs and tokens, and works with the token', async () => {
    const port = await freePort();
    const server = start(dataDir, port);
    await server.ready;
    const password = /password: (\S+)/.exec(server.output())?.[1] ?? '';
    const script = join(dataDir, 'client.py');
    writeFileSync(script, SCRIPT);
    try {
      const { stdout } = await promisify(execFile)(
        '/usr/bin/python3',
        [script, '127.0.0.1', String(port), password],
        {
          env: { ...process.env, PYTHONWARNINGS: 'ignore' },
        },
      );
      const result = JSON.parse(stdout) as {
        token: string;
        users: string[];
        admin_can_modify: number;
        token_permissions: Record<string, Record<string, number>>;
        token_denied: boolean;
        errors: (string | null)[];
      };
      assert.equal(result.token, 'dora@pve!ci');
      assert.deepEqual(result.users, ['admin@pve', 'dora@pve', 'root@pam']);
      assert.equal(result.admin_can_modify, 1);
      assert.equal(result.token_permissions['/vms/100']?.['VM.Console'], 1);
      assert.equal(result.token_denied, true);
      assert.deepEqual(result.errors, [
        "500 Internal Server Error: no such user ('nobody@pve')",
        '400 Bad Request: Parameter verification failed.',
        '403 Forbidden: Permission check failed (/access/groups, Group.Allocate)',
        // No body, as from pveproxy: proxmoxer 1.2 appends the empty content it could not parse.
        '401 Unauthorized: Authentication failed!',
      ]);
    } finally {
      assert.equal(await stop(server.child), 0);
    }
  });
});
