/**
 * Debian's python3-proxmoxer runs its own pool calls against `tessera serve` over HTTPS:
 * nested pools, members added, moved with `allow-move` and removed, the listing with
 * `poolid` and `type`, the deprecated `pools(<id>)` paths, and the refusals it turns into
 * exceptions (proxmoxer 1.2 keeps only the status of a refusal).
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
from proxmoxer.core import ResourceException
host, port, password = sys.argv[1], int(sys.argv[2]), sys.argv[3]
pve = ProxmoxAPI(host, port=port, user="admin@pve", password=password, verify_ssl=False)
out = {}
def refusal(call):
    try:
        call()
        return None
    except ResourceException as e:
        return e.status_code
pve.pools.post(poolid="dept", comment="department")
pve.pools.post(poolid="dept/web")
pve.pools.post(poolid="dept/web/prod")
out["too_deep"] = refusal(lambda: pve.pools.post(poolid="dept/web/prod/x"))
out["orphan"] = refusal(lambda: pve.pools.post(poolid="none/web"))
pve.pools.put(poolid="dept/web", vms="100,101", storage="local")
pve.pools.post(poolid="other")
out["taken"] = refusal(lambda: pve.pools.put(poolid="other", vms="100"))
pve.pools.put(poolid="other", vms="100", **{"allow-move": 1})
out["web"] = pve.pools.get(poolid="dept/web")
out["web_storage"] = pve.pools.get(poolid="dept/web", type="storage")
out["other_deprecated"] = pve.pools("other").get()
out["bad_vmid"] = refusal(lambda: pve.pools.put(poolid="other", vms="99"))
pve.pools.put(poolid="other", vms="100", delete=1)
pve.pools("other").put(comment="old style")
out["not_empty"] = refusal(lambda: pve.pools.delete(poolid="dept/web"))
pve.pools.delete(poolid="dept/web/prod")
pve.pools.put(poolid="dept/web", vms="101", storage="local", delete=1)
pve.pools.delete(poolid="dept/web")
pve.pools("other").delete()
out["pools"] = pve.pools.get()
print(json.dumps(out))
`;

describe('proxmoxer (python3-proxmoxer from Debian): pools', { timeout: 60_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-proxmoxer-pools-'));
  after(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('manages nested pools and their members through its own calls', async () => {
    const port = await freePort();
    const server = start(dataDir, port);
    await server.ready;
    const password = /password: (\S+)/.exec(server.output())?.[1] ?? '';
    const script = join(dataDir, 'pools.py');
    writeFileSync(script, SCRIPT);
    try {
      const { stdout } = await promisify(execFile)(
        '/usr/bin/python3',
        [script, '127.0.0.1', String(port), password],
        { env: { ...process.env, PYTHONWARNINGS: 'ignore' } },
      );
      const result = JSON.parse(stdout) as Record<string, unknown>;
      assert.equal(result['too_deep'], 400);
      assert.equal(result['orphan'], 500);
      assert.equal(result['taken'], 500);
      assert.deepEqual(result['web'], [
        {
          poolid: 'dept/web',
          members: [
            { id: 'vms/101', type: 'vm', vmid: 101 },
            { id: 'storage/local', type: 'storage', storage: 'local' },
          ],
        },
      ]);
      assert.deepEqual(result['web_storage'], [
        {
          poolid: 'dept/web',
          members: [{ id: 'storage/local', type: 'storage', storage: 'local' }],
        },
      ]);
      assert.deepEqual(result['other_deprecated'], {
        poolid: 'other',
        members: [{ id: 'vms/100', type: 'vm', vmid: 100 }],
      });
      assert.equal(result['bad_vmid'], 400);
      assert.equal(result['not_empty'], 500);
      assert.deepEqual(result['pools'], [{ poolid: 'dept', comment: 'department' }]);
    } finally {
      assert.equal(await stop(server.child), 0);
    }
  });
});
