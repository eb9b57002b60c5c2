/**
 * `serve --access-log`: pveproxy's line per request, field by field, with no secret of the
 * query string in it; and a rotation (rename, SIGUSR1) that loses no line.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { repoRoot } from '../support/conformance.js';
import { freePort, start, stop } from '../support/serve.js';

interface Answer {
  readonly status: number;
  readonly body: string;
}

function call(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  form?: Record<string, string>,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: {
          ...(form !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
          ...headers,
        },
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.on('error', reject);
    req.end(form === undefined ? undefined : new URLSearchParams(form).toString());
  });
}

async function until(test: () => boolean, what: string): Promise<void> {
  const started = Date.now();
  while (!test()) {
    if (Date.now() - started > 10_000) assert.fail(`not within 10 s: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function lines(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '');
}

/** pveproxy's `$realip - $userid [$timestr] "$requestline" $code $content_length`. */
const LINE =
  /^(\S+) - (\S+) \[(\d\d)\/(\d\d)\/(\d{4}):(\d\d):(\d\d):(\d\d) ([+-]\d{4})\] "([^"]*)" (\d{3}) (\d+|-)$/;

describe('serve --access-log', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-access-log-'));
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("writes pveproxy's line for each request, without the query string's secrets", async () => {
    const log = join(dir, 'access.log');
    const port = await freePort();
    const server = start(join(dir, 'data-format'), port, ['--http', '--access-log', log]);
    try {
      await server.ready;
      const password = /password: (\S+)/.exec(server.output())?.[1] ?? '';
      const before = new Date();
      before.setMilliseconds(0);
      const login = await call(
        port,
        'POST',
        '/api2/json/access/ticket',
        {},
        {
          username: 'admin@pve',
          password,
        },
      );
      assert.equal(login.status, 200);
      const ticket = (JSON.parse(login.body) as { data: { ticket: string } }).data.ticket;
      const secretQuery = `/api2/json/access/users?full=1&password=hunter2-secret&ticket=${encodeURIComponent(ticket)}&new%2Dpassword=other-secret`;
      const users = await call(port, 'GET', secretQuery, {
        cookie: `PVEAuthCookie=${encodeURIComponent(ticket)}`,
      });
      // Proxmox refuses parameters a method does not take; the line is written all the same.
      assert.equal(users.status, 400);
      const refused = await call(port, 'GET', '/api2/json/access/users');
      assert.equal(refused.status, 401);
      const missing = await call(port, 'GET', '/nothing/here');
      await stop(server.child);
      const afterwards = new Date();

      const written = lines(log);
      assert.equal(written.length, 4, written.join('\n'));
      const text = readFileSync(log, 'utf8');
      for (const secret of [password, 'hunter2-secret', 'other-secret', ticket.slice(-20)])
        assert.equal(text.includes(secret), false, `the log holds a secret: ${text}`);

      const fields = written.map((line) => {
        const match = LINE.exec(line);
        assert.ok(match, `not pveproxy's format: ${line}`);
        return match;
      });
      const [first, second, third, fourth] = fields;
      assert.ok(first && second && third && fourth);
      // The client address, and who: nobody before the login, the user after it.
      assert.deepEqual(
        fields.map((m) => [m[1], m[2]]),
        [
          ['127.0.0.1', '-'],
          ['127.0.0.1', 'admin@pve'],
          ['127.0.0.1', '-'],
          ['127.0.0.1', '-'],
        ],
      );
      for (const m of fields) {
        const offset = m[9] ?? '';
        const minutes =
          (offset.startsWith('-') ? -1 : 1) *
          (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(3, 5)));
        const utc =
          Date.UTC(
            Number(m[5]),
            Number(m[4]) - 1,
            Number(m[3]),
            Number(m[6]),
            Number(m[7]),
            Number(m[8]),
          ) -
          minutes * 60_000;
        assert.ok(utc >= before.getTime() && utc <= afterwards.getTime(), `time of ${m[0]}`);
      }
      assert.equal(first[10], 'POST /api2/json/access/ticket HTTP/1.1');
      assert.equal(
        second[10],
        'GET /api2/json/access/users?full=1&password=(hidden)&ticket=(hidden)&new%2Dpassword=(hidden) HTTP/1.1',
      );
      assert.equal(third[10], 'GET /api2/json/access/users HTTP/1.1');
      assert.equal(fourth[10], 'GET /nothing/here HTTP/1.1');
      assert.deepEqual(
        fields.map((m) => m[11]),
        ['200', '400', '401', '501'],
      );
      assert.equal(missing.status, 501);
      // The size is the answer body's length in bytes.
      assert.equal(first[12], String(Buffer.byteLength(login.body)));
      assert.equal(second[12], String(Buffer.byteLength(users.body)));
    } finally {
      if (server.child.exitCode === null) await stop(server.child);
    }
  });

  it('is reopened on SIGUSR1 after logrotate moved it, and loses no line', async () => {
    const log = join(dir, 'rotated.log');
    const authLog = join(dir, 'auth.log');
    const port = await freePort();
    const server = start(join(dir, 'data-rotate'), port, [
      '--http',
      '--login-delay',
      '0',
      '--access-log',
      log,
      '--auth-log',
      authLog,
    ]);
    let sent = 0;
    const burst = async (count: number): Promise<void> => {
      await Promise.all(
        Array.from({ length: count }, async () => {
          await call(port, 'GET', '/api2/json/version');
          sent += 1;
        }),
      );
    };
    try {
      await server.ready;
      await burst(20);
      renameSync(log, `${log}.1`);
      renameSync(authLog, `${authLog}.1`);
      // Requests go on while the file is let go.
      const during = burst(50);
      server.child.kill('SIGUSR1');
      await during;
      await until(() => server.output().includes('tessera: reopened'), 'the reopen is reported');
      assert.match(server.output(), /reopened .*auth\.log, .*rotated\.log/);
      await burst(20);
      const wrong = await call(
        port,
        'POST',
        '/api2/json/access/ticket',
        {},
        {
          username: 'admin@pve',
          password: 'wrong',
        },
      );
      assert.equal(wrong.status, 401);
      await stop(server.child);

      const old = lines(`${log}.1`);
      const fresh = lines(log);
      assert.equal(old.length + fresh.length, sent + 1);
      assert.ok(old.length >= 20, 'the lines before the rename stay in the old file');
      assert.ok(fresh.length >= 21, 'the lines after the reopen go to the new file');
      assert.match(fresh.at(-1) ?? '', /"POST \/api2\/json\/access\/ticket HTTP\/1.1" 401 /);
      // The authentication log was reopened with it: the failure is in the new file.
      assert.match(
        readFileSync(authLog, 'utf8'),
        /authentication failure; rhost=127.0.0.1 user=admin@pve/,
      );
      assert.equal(readFileSync(`${authLog}.1`, 'utf8'), '');
    } finally {
      if (server.child.exitCode === null) await stop(server.child);
    }
  });

  it('is rotated by contrib/logrotate/tessera, whose postrotate signal serve answers', async () => {
    const logs = join(dir, 'logs');
    mkdirSync(logs, { mode: 0o750 });
    const port = await freePort();
    const server = start(join(dir, 'data-logrotate'), port, [
      '--http',
      '--login-delay',
      '0',
      '--access-log',
      join(logs, 'access.log'),
    ]);
    try {
      await server.ready;
      const pid = String(server.child.pid);
      const owner = execFileSync('id', ['-un'], { encoding: 'utf8' }).trim();
      const group = execFileSync('id', ['-gn'], { encoding: 'utf8' }).trim();
      // The shipped file, moved to this directory, its owner and the process to signal.
      const shipped = readFileSync(join(repoRoot, 'contrib', 'logrotate', 'tessera'), 'utf8');
      const config = shipped
        .replaceAll('/var/log/tessera', logs)
        .replace('create 0640 tessera tessera', `create 0640 ${owner} ${group}`)
        .replace(
          /systemctl kill --signal=USR1 --kill-whom=main tessera\.service/,
          `kill -USR1 ${pid}`,
        );
      assert.notEqual(config, shipped.replaceAll('/var/log/tessera', logs));
      assert.match(config, new RegExp(`kill -USR1 ${pid}`));
      writeFileSync(join(dir, 'logrotate.conf'), config, { mode: 0o644 });
      for (let i = 0; i < 5; i += 1) await call(port, 'GET', '/api2/json/version');
      execFileSync('/usr/sbin/logrotate', [
        '--force',
        '--state',
        join(dir, 'logrotate.state'),
        join(dir, 'logrotate.conf'),
      ]);
      await until(() => server.output().includes('tessera: reopened'), 'the reopen is reported');
      for (let i = 0; i < 3; i += 1) await call(port, 'GET', '/api2/json/version');
      await stop(server.child);
      // delaycompress: the first rotation stays plain text.
      assert.equal(lines(join(logs, 'access.log.1')).length, 5);
      assert.equal(lines(join(logs, 'access.log')).length, 3);
    } finally {
      if (server.child.exitCode === null) await stop(server.child);
    }
  });

  it('on a full disk says so once and goes on answering', async () => {
    const port = await freePort();
    const server = start(join(dir, 'data-full'), port, [
      '--http',
      '--login-delay',
      '0',
      '--access-log',
      '/dev/full',
    ]);
    try {
      await server.ready;
      for (let i = 0; i < 5; i += 1)
        assert.equal((await call(port, 'GET', '/api2/json/version')).status, 401);
      await until(
        () => server.output().includes('/dev/full: lines dropped'),
        'the failure is said',
      );
      for (let i = 0; i < 5; i += 1)
        assert.equal((await call(port, 'GET', '/api2/json/version')).status, 401);
      assert.equal(
        server.output().match(/lines dropped until the file is reopened: ENOSPC/g)?.length,
        1,
      );
    } finally {
      assert.equal(await stop(server.child), 0);
    }
  });
});
