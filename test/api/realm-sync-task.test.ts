/**
 * Realm sync as a task, through real clients against `tessera serve` and a real slapd:
 * Proxmox's proxmoxer polls the task with `Tasks.blocking_status` and reads its log, and
 * the npm `proxmox-api` polls `/nodes/{node}/tasks/{upid}/status` and `/log` itself.
 *
 * Debian's python3-proxmoxer is 1.2.0, which predates `proxmoxer.tools.Tasks` (2.0); the
 * script carries that helper's documented behaviour (split the UPID for its node, get the
 * task's status every second until it is `stopped`) and drives it through proxmoxer's own
 * resource calls.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import proxmoxApi from 'proxmox-api';
import { Agent, fetch } from 'undici';
import { encodeUpid } from '../../src/model/upid.js';
import { openStore } from '../../src/store/open.js';
import { taskKey } from '../../src/store/task-keys.js';
import { freePort, start, stop } from '../support/serve.js';
import { startSlapd, type Slapd } from '../support/slapd.js';

const NODE = 'tessera-a';

const SCRIPT = `
import json, sys, time
from proxmoxer import ProxmoxAPI

class Tasks:
    @staticmethod
    def decode_upid(upid):
        parts = upid.strip().split(":")
        assert parts[0] == "UPID" and len(parts) == 9, "UPID is not in the correct format"
        return {"upid": upid, "node": parts[1], "pid": int(parts[2], 16),
                "pstart": int(parts[3], 16), "starttime": int(parts[4], 16),
                "type": parts[5], "id": parts[6], "user": parts[7], "comment": parts[8]}

    @staticmethod
    def blocking_status(prox, task_id, timeout=300, polling_interval=1):
        node = Tasks.decode_upid(task_id)["node"]
        start = time.monotonic()
        data = {"status": ""}
        while data["status"] != "stopped":
            data = prox.nodes(node).tasks(task_id).status.get()
            if start + timeout <= time.monotonic():
                return None
            time.sleep(polling_interval)
        return data

    @staticmethod
    def decode_log(log_list):
        return "\\n".join(line["t"] for line in sorted(log_list, key=lambda l: l["n"]))

host, port, password, ldap_port, people, groups, service, service_pw = sys.argv[1:9]
pve = ProxmoxAPI(host, port=int(port), user="admin@pve", password=password, verify_ssl=False)
pve.access.domains.post(realm="corp", type="ldap", server1="127.0.0.1", port=int(ldap_port),
    base_dn=people, user_attr="uid", bind_dn=service, password=service_pw, group_dn=groups)
upid = pve.access.domains("corp").sync.post(scope="both")
out = {"upid": upid, "decoded": Tasks.decode_upid(upid)}
out["status"] = Tasks.blocking_status(pve, upid, timeout=30, polling_interval=0.2)
out["log"] = Tasks.decode_log(pve.nodes(out["decoded"]["node"]).tasks(upid).log.get(limit=0))
out["listed"] = [t["upid"] for t in pve.nodes(out["decoded"]["node"]).tasks.get(typefilter="auth-realm-sync")]
out["users"] = sorted(u["userid"] for u in pve.access.users.get())
print(json.dumps(out))
`;

describe('realm sync as a task, through proxmoxer and proxmox-api', { timeout: 90_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-sync-task-'));
  let slapd: Slapd;
  let port: number;
  let server: ReturnType<typeof start>;
  let password: string;

  before(async () => {
    slapd = await startSlapd({
      users: [
        { uid: 'alice', password: 'alice-pw', mail: 'alice@example.com' },
        { uid: 'bob', password: 'bob-pw' },
      ],
      groups: [{ cn: 'staff', members: ['alice', 'bob'] }],
    });
    port = await freePort();
    server = start(dataDir, port, ['--node-name', NODE]);
    await server.ready;
    password = /password: (\S+)/.exec(server.output())?.[1] ?? '';
  });

  after(async () => {
    if (server.child.exitCode === null) assert.equal(await stop(server.child), 0);
    await slapd.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("proxmoxer: the sync's UPID, Tasks.blocking_status, and the task log", async () => {
    const script = join(dataDir, 'sync.py');
    writeFileSync(script, SCRIPT);
    const { stdout } = await promisify(execFile)(
      '/usr/bin/python3',
      [
        script,
        '127.0.0.1',
        String(port),
        password,
        String(slapd.port),
        slapd.peopleDn,
        slapd.groupsDn,
        slapd.serviceDn,
        slapd.servicePassword,
      ],
      { env: { ...process.env, PYTHONWARNINGS: 'ignore' } },
    );
    const result = JSON.parse(stdout) as {
      upid: string;
      decoded: { node: string; type: string; id: string; user: string; pid: number };
      status: { status: string; exitstatus: string; upid: string; node: string; type: string };
      log: string;
      listed: string[];
      users: string[];
    };
    assert.deepEqual(
      [result.decoded.node, result.decoded.type, result.decoded.id, result.decoded.user],
      [NODE, 'auth-realm-sync', 'corp', 'admin@pve'],
    );
    assert.deepEqual(
      [result.status.status, result.status.exitstatus, result.status.upid, result.status.node],
      ['stopped', 'OK', result.upid, NODE],
    );
    assert.match(result.log, /^starting sync for realm corp\n/);
    assert.match(result.log, /adding user 'alice@corp'/);
    assert.match(result.log, /successfully updated users and groups configuration\nTASK OK$/);
    assert.deepEqual(result.listed, [result.upid]);
    assert.deepEqual(result.users, ['admin@pve', 'alice@corp', 'bob@corp', 'root@pam']);
  });

  it('proxmox-api: a dry run polled through its status and log', async () => {
    const dispatcher = new Agent({ connect: { ca: readFileSync(join(dataDir, 'tessera.crt')) } });
    const trusted: typeof fetch = (url, init) => fetch(url, { ...init, dispatcher });
    try {
      const admin = proxmoxApi({
        host: '127.0.0.1',
        port,
        username: 'admin@pve',
        password,
        fetch: trusted,
      });
      const upid = await admin.access.domains
        .$('corp')
        .sync.$post({ scope: 'users', 'dry-run': true });
      assert.match(upid, new RegExp(`^UPID:${NODE}:[0-9A-F]{8}:`));
      const task = admin.nodes.$(NODE).tasks.$(upid);
      let status = await task.status.$get();
      for (let i = 0; i < 100 && status.status === 'running'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        status = await task.status.$get();
      }
      assert.equal(status.status, 'stopped');
      assert.equal(status.exitstatus, 'OK');
      assert.equal(status.type, 'auth-realm-sync-test');
      const log = (await task.log.$get({ limit: 0 })).map((line) => line.t);
      assert.equal(log[0], '(dry test run) starting sync for realm corp');
      assert.ok(log.includes('syncing users'), log.join('\n'));
      assert.equal(log.at(-1), 'TASK OK');
      const first = await task.log.$get({ start: 0, limit: 1 });
      assert.deepEqual(first, [{ n: 1, t: log[0] }]);
    } finally {
      await dispatcher.close();
    }
  });

  it("marks a task a stopped server left running as 'unexpected status' when it starts again", async () => {
    assert.equal(await stop(server.child), 0);
    const fields = {
      node: NODE,
      pid: 1,
      pstart: 1,
      starttime: Math.floor(Date.now() / 1000) - 60,
      type: 'auth-realm-sync',
      id: 'corp',
      user: 'admin@pve',
    };
    const upid = encodeUpid(fields);
    const store = await openStore(`sqlite:${join(dataDir, 'tessera.db')}`);
    await store.transact(
      [],
      [{ op: 'put', key: taskKey(upid), value: JSON.stringify({ ...fields, upid }) }],
    );
    await store.close();
    server = start(dataDir, port, ['--node-name', NODE]);
    await server.ready;
    assert.match(server.output(), /1 task\(s\) of node tessera-a were left running/);
    const dispatcher = new Agent({ connect: { ca: readFileSync(join(dataDir, 'tessera.crt')) } });
    try {
      const admin = proxmoxApi({
        host: '127.0.0.1',
        port,
        username: 'admin@pve',
        password,
        fetch: (url, init) => fetch(url, { ...init, dispatcher }),
      });
      const status = await admin.nodes.$(NODE).tasks.$(upid).status.$get();
      assert.deepEqual([status.status, status.exitstatus], ['stopped', 'unexpected status']);
    } finally {
      await dispatcher.close();
    }
  });
});
