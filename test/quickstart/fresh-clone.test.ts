/**
 * The README's first command on a fresh clone of a machine without the PAM headers: the
 * project's files (what a clone has: tracked and new files, no dist/, no data/) with the
 * installed node_modules minus node-linux-pam, which is what npm leaves when the binding
 * cannot build. `npm start` builds what the server needs, answers on its port, and the
 * bootstrap administrator logs in; the realm pam refuses with its own cause, which `explain`
 * turns into the fix; bin/tessera answers; and stopping `npm start` stops the server.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot } from '../support/conformance.js';
import { cleanUpOnExit, listening } from '../support/processes.js';
import { call, freePort } from '../support/serve.js';

/** The files a clone of the repository holds, copied with their times. */
function cloneInto(target: string): void {
  const files = execFileSync(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    { cwd: repoRoot, encoding: 'utf8' },
  )
    .split('\0')
    // A worktree's node_modules link is not ignored as a directory is: it is copied below.
    .filter((file) => file !== '' && file !== 'node_modules' && existsSync(join(repoRoot, file)));
  for (const file of files)
    cpSync(join(repoRoot, file), join(target, file), { preserveTimestamps: true });
  // A worktree's node_modules may be a link to a shared one: the clone gets a copy, so that
  // removing the binding and npm's reinstall below never touch the shared directory.
  cpSync(realpathSync(join(repoRoot, 'node_modules')), join(target, 'node_modules'), {
    recursive: true,
    preserveTimestamps: true,
    verbatimSymlinks: true,
  });
  rmSync(join(target, 'node_modules', 'node-linux-pam'), { recursive: true, force: true });
}

describe('npm start on a fresh clone without the PAM binding', { timeout: 300_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), 'tessera-fresh-'));
  const clone = join(work, 'tessera');
  let port = 0;
  let output = '';
  let npm: ReturnType<typeof spawn> | undefined;
  const forget = cleanUpOnExit(() => npm?.kill('SIGKILL'));

  before(async () => {
    cloneInto(clone);
    port = await freePort();
    // Without TESSERA_DATA_DIR, as a newcomer runs it: the data lands in ./data.
    const env = { ...process.env };
    delete env['TESSERA_DATA_DIR'];
    npm = spawn('npm', ['start', '--', '--listen', `127.0.0.1:${String(port)}`], {
      cwd: clone,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const child = npm;
    await new Promise<void>((resolve, reject) => {
      const collect = (chunk: Buffer): void => {
        output += chunk.toString();
        if (output.includes('Tessera listening')) resolve();
      };
      child.stdout?.on('data', collect);
      child.stderr?.on('data', collect);
      child.on('exit', (code) => {
        reject(new Error(`npm start exited with ${String(code)}:\n${output}`));
      });
    });
  });
  after(() => {
    npm?.kill('SIGKILL');
    forget();
    rmSync(work, { recursive: true, force: true });
  });

  it('builds the server, not the tests, and says what it does', () => {
    assert.match(output, /tessera: compiling Tessera \(TypeScript, about 10 s\)\.\.\./);
    assert.match(output, /tessera: building the web interface/);
    assert.ok(existsSync(join(clone, 'dist', 'src', 'cli', 'main.js')));
    assert.ok(!existsSync(join(clone, 'dist', 'test')), 'the tests were built');
    assert.ok(!existsSync(join(clone, 'dist', 'src', 'model', 'ids.test.js')));
  });

  it('says that PAM logins are off and how to turn them on', () => {
    assert.match(
      output,
      /tessera: warning: PAM support is not installed: node-linux-pam is missing .*apt-get install libpam0g-dev/,
    );
  });

  it('lets the bootstrap administrator log in', async () => {
    const password = readFileSync(join(clone, 'data', 'admin-password'), 'utf8').trim();
    assert.match(output, new RegExp(`Bootstrap administrator admin@pve, password: ${password}\\n`));
    const ca = readFileSync(join(clone, 'data', 'tessera.crt'));
    const login = await call(port, ca, 'POST', '/access/ticket', {
      username: 'admin@pve',
      password,
    });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    assert.match((login.body.data as { ticket: string }).ticket, /^PVE:admin@pve:/);
  });

  it('refuses PAM logins with their own cause, which explain turns into the fix', async () => {
    const ca = readFileSync(join(clone, 'data', 'tessera.crt'));
    const refused = await call(port, ca, 'POST', '/access/ticket', {
      username: 'root@pam',
      password: 'anything',
    });
    assert.equal(refused.status, 401);
    assert.match(
      output,
      /authentication failure; rhost=127\.0\.0\.1 user=root@pam msg=PAM support/,
    );
    // Events reach the store within a second or so.
    let explained = '';
    for (let attempt = 0; attempt < 20 && !explained.includes('pam_unavailable'); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      explained = execFileSync(join(clone, 'bin', 'tessera'), ['explain', 'root@pam'], {
        cwd: clone,
        encoding: 'utf8',
      });
    }
    assert.match(
      explained,
      /FAILED \(pam_unavailable\): PAM support is not installed on this node/,
    );
    assert.match(
      explained,
      /next step: install the PAM headers.*apt-get install libpam0g-dev && npm install/,
    );
  });

  it('answers bin/tessera --help', () => {
    const help = execFileSync(join(clone, 'bin', 'tessera'), ['--help'], { encoding: 'utf8' });
    assert.match(help, /^Usage: tessera /);
  });

  it('stops the server when npm start is stopped', async () => {
    const child = npm;
    assert.ok(child);
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    assert.equal(await exited, 0, output);
    assert.match(output, /Tessera stopped/);
    assert.equal(await listening(port), false, 'the server still holds its port');
  });
});
