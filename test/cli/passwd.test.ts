/**
 * `tessera passwd <userid>`, the way back in on the node: the new password from a script's
 * standard input or typed twice at a terminal without echo (a pseudo-terminal made by
 * Python's pty module); the old password stops working, the change is audited, and users
 * of other realms are refused.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { verifyPassword } from '../../src/auth/password.js';
import { bootstrap } from '../../src/services/bootstrap.js';
import { storeContext } from '../../src/services/context.js';
import { assemble } from '../../src/store/assemble.js';
import { openStore } from '../../src/store/open.js';
import { repoRoot } from '../support/conformance.js';
import { AT_A_TERMINAL } from '../support/terminal.js';

const TESSERA = join(repoRoot, 'bin', 'tessera');

describe('tessera passwd', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-passwd-'));
  const store = `sqlite:${join(dir, 'tessera.db')}`;
  let bootstrapPassword = '';

  before(async () => {
    const opened = await openStore(store);
    bootstrapPassword = (await bootstrap(storeContext(opened))) ?? '';
    await opened.close();
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const checks = async (password: string): Promise<boolean> => {
    const opened = await openStore(store);
    try {
      const hash = assemble(await opened.snapshot()).shadow.get('admin');
      return hash !== undefined && (await verifyPassword(hash, password)).ok;
    } finally {
      await opened.close();
    }
  };

  it('reads the new password from the first line of standard input', async () => {
    assert.equal(await checks(bootstrapPassword), true);
    const run = spawnSync(TESSERA, ['--store', store, 'passwd', 'admin@pve'], {
      input: 'a new password 1\nignored\n',
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(await checks('a new password 1'), true);
    assert.equal(await checks(bootstrapPassword), false);
    const audit = spawnSync(TESSERA, ['--store', store, 'changes', '--output-format', 'json'], {
      encoding: 'utf8',
    });
    assert.match(audit.stdout, /"password"/);
    assert.doesNotMatch(audit.stdout, /a new password 1/);
  });

  it('asks twice at a terminal, without echo, and refuses a mismatch', async () => {
    const run = spawnSync(
      'python3',
      [
        '-c',
        AT_A_TERMINAL,
        TESSERA,
        'typed password 2\ntyped password 2',
        '--store',
        store,
        'passwd',
        'admin@pve',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(run.status, 0, run.stdout);
    assert.match(run.stdout, /Enter new password: [\s\S]*Retype new password: /);
    assert.doesNotMatch(run.stdout, /typed password 2/, 'nothing typed is echoed');
    assert.equal(await checks('typed password 2'), true);

    const mismatch = spawnSync(
      'python3',
      [
        '-c',
        AT_A_TERMINAL,
        TESSERA,
        'other password 3\nother password 4',
        '--store',
        store,
        'passwd',
        'admin@pve',
      ],
      { encoding: 'utf8' },
    );
    assert.notEqual(mismatch.status, 0);
    assert.match(mismatch.stdout, /passwords do not match/);
    assert.equal(await checks('typed password 2'), true, 'unchanged');
  });

  it('refuses a short password, and users of other realms', () => {
    const short = spawnSync(TESSERA, ['--store', store, 'passwd', 'admin@pve'], {
      input: 'short\n',
      encoding: 'utf8',
    });
    assert.notEqual(short.status, 0);
    assert.match(short.stderr, /password/);
    const pam = spawnSync(TESSERA, ['--store', store, 'passwd', 'root@pam'], {
      input: 'a long enough password\n',
      encoding: 'utf8',
    });
    assert.notEqual(pam.status, 0);
    assert.match(pam.stderr, /can't set password on auth type 'pam'/);
  });

  it('user add --password reads the initial password as passwd does, never from argv', async () => {
    const checksFor = async (name: string, password: string): Promise<boolean> => {
      const opened = await openStore(store);
      try {
        const hash = assemble(await opened.snapshot()).shadow.get(name);
        return hash !== undefined && (await verifyPassword(hash, password)).ok;
      } finally {
        await opened.close();
      }
    };
    const piped = spawnSync(TESSERA, ['--store', store, 'user', 'add', 'pat@pve', '--password'], {
      input: 'piped password 5\n',
      encoding: 'utf8',
    });
    assert.deepEqual([piped.status, piped.stdout, piped.stderr], [0, '', '']);
    assert.equal(await checksFor('pat', 'piped password 5'), true);

    const typed = spawnSync(
      'python3',
      [
        '-c',
        AT_A_TERMINAL,
        TESSERA,
        'typed password 6\ntyped password 6',
        '--store',
        store,
        'useradd',
        'tim@pve',
        '--password',
        '--comment',
        'typed',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(typed.status, 0, typed.stdout);
    assert.doesNotMatch(typed.stdout, /typed password 6/, 'nothing typed is echoed');
    assert.equal(await checksFor('tim', 'typed password 6'), true);

    const argv = spawnSync(
      TESSERA,
      ['--store', store, 'user', 'add', 'ida@pve', '--password', 'in argv 7'],
      { encoding: 'utf8' },
    );
    assert.equal(argv.status, 255);
    assert.match(argv.stderr, /^400 password: not taken from the command line/);
    assert.doesNotMatch(argv.stderr, /in argv 7/);
    assert.equal(await checksFor('ida', 'in argv 7'), false);
  });
});
