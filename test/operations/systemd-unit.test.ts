/**
 * contrib/systemd/tessera.service, as far as this machine allows: systemd does not run here
 * (no /run/systemd/system), so `systemd-analyze verify` checks the unit (a copy whose
 * ExecStart names this checkout), and the unit's own command line runs with the unit's
 * environment, as an unprivileged user when the test runs as root (setpriv, a uid without a
 * passwd entry, as systemd's DynamicUser would), with NOTIFY_SOCKET and the store key as a
 * credential, as systemd would pass them. It must say READY=1 only once it listens, reload
 * on SIGHUP, and say STOPPING=1 when it stops.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { repoRoot } from '../support/conformance.js';
import { freePort } from '../support/serve.js';

const UNIT = join(repoRoot, 'contrib', 'systemd', 'tessera.service');
const SERVICE_UID = 61_234;

/** The values of `key=` in the unit's [Service] section, in order. */
function directives(unit: string, key: string): string[] {
  return unit
    .split('\n')
    .filter((line) => line.startsWith(`${key}=`))
    .map((line) => line.slice(key.length + 1));
}

/** The unit with its paths moved to this checkout and `root`. */
function relocate(text: string, root: string, port: number): string {
  return text
    .replaceAll('/usr/bin/node ', `${process.execPath} `)
    .replaceAll('/opt/tessera', repoRoot)
    .replaceAll('/var/lib/tessera', join(root, 'state'))
    .replaceAll('/var/log/tessera', join(root, 'logs'))
    .replaceAll('0.0.0.0:8006', `127.0.0.1:${String(port)}`);
}

/**
 * A service manager's notification socket: prints each message, and for READY=1 whether the
 * port took a connection at that moment (the barrier systemd-notify sends with it is closed).
 */
const RECEIVER = `
import os, socket, sys
path, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o777)
print("bound", flush=True)
while True:
    data, anc, flags, addr = s.recvmsg(4096, socket.CMSG_SPACE(16))
    for level, kind, payload in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            for i in range(0, len(payload) - len(payload) % 4, 4):
                os.close(int.from_bytes(payload[i:i + 4], sys.byteorder))
    for line in data.decode().split("\\n"):
        if line == "READY=1":
            c = socket.socket()
            listening = c.connect_ex(("127.0.0.1", port)) == 0
            c.close()
            print("READY=1 " + ("listening" if listening else "not-listening"), flush=True)
        elif line and not line.startswith("BARRIER="):
            print(line, flush=True)
`;

function get(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/api2/json/version', rejectUnauthorized: false },
      (res) => {
        res.resume();
        res.on('end', () => {
          resolve(res.statusCode ?? 0);
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function until(test: () => boolean, what: string, output: () => string): Promise<void> {
  const started = Date.now();
  while (!test()) {
    if (Date.now() - started > 20_000) assert.fail(`not within 20 s: ${what}\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function collect(child: ChildProcess): () => string {
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return () => text;
}

describe('contrib/systemd/tessera.service', () => {
  const root = mkdtempSync(join(tmpdir(), 'tessera-unit-'));
  after(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('passes systemd-analyze verify without a warning', () => {
    const copy = join(root, 'tessera.service');
    writeFileSync(copy, relocate(readFileSync(UNIT, 'utf8'), root, 8006));
    const verify = spawnSync('systemd-analyze', ['verify', copy], { encoding: 'utf8' });
    assert.equal(verify.status, 0, verify.stderr);
    assert.equal(verify.stderr.trim(), '', 'systemd-analyze warned');
    // Checks of the settings the unit is there for, which verify cannot know about.
    const unit = readFileSync(UNIT, 'utf8');
    assert.deepEqual(directives(unit, 'Type'), ['notify']);
    assert.deepEqual(directives(unit, 'User'), ['tessera']);
    assert.deepEqual(directives(unit, 'MemoryDenyWriteExecute'), ['no']);
    assert.deepEqual(directives(unit, 'CapabilityBoundingSet'), ['']);
    assert.deepEqual(directives(unit, 'LoadCredential'), [
      'tessera-store-key:/etc/tessera/store.key',
    ]);
    // serve stops within its budget (src/server/stop.ts: 4 s) before systemd kills it.
    assert.ok(Number.parseInt(directives(unit, 'TimeoutStopSec')[0] ?? '0', 10) > 4);
  });

  it("runs the unit's command line: READY=1 once it listens, SIGHUP reloads, STOPPING=1", async () => {
    const port = await freePort();
    const unit = relocate(readFileSync(UNIT, 'utf8'), root, port);
    for (const dir of ['state', 'logs', 'credentials']) mkdirSync(join(root, dir), { mode: 0o700 });
    // LoadCredential= gives the service a private copy of the key.
    writeFileSync(
      join(root, 'credentials', 'tessera-store-key'),
      `${randomBytes(32).toString('hex')}\n`,
      { mode: 0o400 },
    );
    const asRoot = process.getuid?.() === 0;
    if (asRoot) {
      // What StateDirectory=, LogsDirectory= and LoadCredential= set up for User=.
      chmodSync(root, 0o755);
      for (const dir of ['state', 'logs', 'credentials'])
        chownSync(join(root, dir), SERVICE_UID, SERVICE_UID);
      chownSync(join(root, 'credentials', 'tessera-store-key'), SERVICE_UID, SERVICE_UID);
    }
    const socketPath = join(root, 'notify.sock');
    const receiver = spawn('python3', ['-c', RECEIVER, socketPath, String(port)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const notified = collect(receiver);
    let server: ChildProcess | undefined;
    try {
      await until(() => notified().includes('bound'), 'the notify socket is bound', notified);
      const env: Record<string, string> = {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        NOTIFY_SOCKET: socketPath,
        CREDENTIALS_DIRECTORY: join(root, 'credentials'),
        HOME: join(root, 'state'),
      };
      for (const assignment of directives(unit, 'Environment')) {
        const equals = assignment.indexOf('=');
        env[assignment.slice(0, equals)] = assignment.slice(equals + 1);
      }
      const command = (directives(unit, 'ExecStart')[0] ?? '').split(' ');
      const [file, ...args] = asRoot
        ? [
            'setpriv',
            `--reuid=${String(SERVICE_UID)}`,
            `--regid=${String(SERVICE_UID)}`,
            '--clear-groups',
            '--no-new-privs',
            ...command,
          ]
        : command;
      assert.ok(file !== undefined);
      server = spawn(file, args, { env, cwd: '/', stdio: ['ignore', 'pipe', 'pipe'] });
      const output = collect(server);
      const both = (): string => `${output()}\n--- notify socket:\n${notified()}`;

      await until(() => notified().includes('READY=1'), 'READY=1', both);
      assert.match(notified(), /READY=1 listening/);
      assert.doesNotMatch(notified(), /not-listening/);
      assert.match(output(), /Tessera listening on https:/);
      assert.equal(await get(port), 401);
      // The store key came from the credential, and nothing wrote one beside the data.
      assert.equal(existsSync(join(root, 'state', 'store.key')), false);

      server.kill('SIGHUP');
      await until(() => output().includes('tessera: reopened'), 'the reload on SIGHUP', both);
      assert.match(output(), /the HTTPS certificate in .* is unchanged/);
      assert.equal(await get(port), 401);
      assert.match(
        readFileSync(join(root, 'logs', 'access.log'), 'utf8'),
        /"GET \/api2\/json\/version HTTP\/1.1" 401 \d+\n/,
      );

      const exited = new Promise<number | null>((resolve) => server?.on('exit', resolve));
      server.kill('SIGTERM');
      assert.equal(await exited, 0);
      await until(() => notified().includes('STOPPING=1'), 'STOPPING=1', both);
    } finally {
      if (server?.exitCode === null) server.kill('SIGKILL');
      receiver.kill('SIGTERM');
    }
  });
});
