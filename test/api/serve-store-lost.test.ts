/**
 * Issue 16, finding 8: the store is never silently replaced. `: > tessera.db` and a start
 * printed a new bootstrap password and every user and ACL was gone. A first start sets up a
 * new installation only in an empty data directory; a database that is empty, missing or
 * unreadable next to files of an earlier start stops `serve` with an error that says what
 * was found and how to start afresh deliberately, and leaves the files as they were.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../support/cli.js';
import { freePort, start, stop } from '../support/serve.js';

/** Starts `serve` and expects it to stop by itself: its exit status and output. */
async function refusedStart(
  dataDir: string,
  extra: readonly string[] = [],
): Promise<{ code: number | null; output: string }> {
  const server = start(dataDir, await freePort(), ['--http', ...extra]);
  const code = await new Promise<number | null>((resolve) => {
    server.child.on('exit', resolve);
  });
  server.ready.catch(() => undefined);
  return { code, output: server.output() };
}

describe('tessera serve never replaces a lost store', { timeout: 60_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'tessera-lost-'));
  after(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('sets up a new installation in a new directory, and refuses to do it again over its files', async () => {
    const dataDir = join(root, 'data');
    const server = start(dataDir, await freePort());
    await server.ready;
    assert.match(server.output(), /Bootstrap administrator admin@pve, password: /);
    await stop(server.child);
    const password = readFileSync(join(dataDir, 'admin-password'), 'utf8');
    const database = join(dataDir, 'tessera.db');

    writeFileSync(database, ''); // `: > tessera.db`
    const emptied = await refusedStart(dataDir);
    assert.equal(emptied.code, 1, emptied.output);
    assert.match(emptied.output, /the database .*tessera\.db is missing or empty/);
    assert.match(
      emptied.output,
      /holds files of an earlier start \(admin-password, store\.key, tessera\.crt/,
    );
    assert.match(
      emptied.output,
      /to start a new installation deliberately, move the data directory away/,
    );
    assert.doesNotMatch(emptied.output, /password: /);
    assert.equal(readFileSync(join(dataDir, 'admin-password'), 'utf8'), password);
    assert.equal(statSync(database).size, 0);

    rmSync(database);
    const missing = await refusedStart(dataDir);
    assert.equal(missing.code, 1, missing.output);
    assert.match(missing.output, /is missing or empty/);
    assert.equal(existsSync(database), false);

    mkdirSync(database); // unreadable as a database
    const unreadable = await refusedStart(dataDir);
    assert.equal(unreadable.code, 1, unreadable.output);
    assert.match(unreadable.output, /SQLite store .*tessera\.db/);
    rmSync(database, { recursive: true });

    writeFileSync(database, 'not a database, but some bytes');
    const garbage = await refusedStart(dataDir);
    assert.equal(garbage.code, 1, garbage.output);
    assert.match(garbage.output, /SQLite store .*tessera\.db: file is not a database/);
    assert.equal(readFileSync(join(dataDir, 'admin-password'), 'utf8'), password);
  });

  it('refuses a store that holds nothing next to an earlier start', async () => {
    const dataDir = join(root, 'other');
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, 'admin-password'), 'old\n', { mode: 0o600 });
    const other = join(root, 'elsewhere.db');
    // A store opened once, holding nothing: its database has its tables, and no entry.
    const opened = await runCli('--store', `sqlite:${other}`, 'config', 'show', 'user.cfg');
    assert.equal(opened.status, 0, opened.stderr);
    assert.ok(statSync(other).size > 0);
    const refused = await refusedStart(dataDir, ['--store', `sqlite:${other}`]);
    assert.equal(refused.code, 1, refused.output);
    assert.match(
      refused.output,
      /the configuration store sqlite:.*elsewhere\.db holds no configuration/,
    );
    assert.equal(readFileSync(join(dataDir, 'admin-password'), 'utf8'), 'old\n');
  });

  it('starts afresh in an empty data directory that already exists', async () => {
    const dataDir = join(root, 'empty');
    mkdirSync(dataDir);
    const server = start(dataDir, await freePort(), ['--http']);
    await server.ready;
    assert.match(server.output(), /password: /);
    await stop(server.child);
  });
});
