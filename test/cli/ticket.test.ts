/**
 * `tessera ticket <username>`, pveum's `ticket`: a real login on the store. The printed
 * ticket verifies with the store's ticket key; a refused login prints Proxmox's message and
 * exits 255 at once (no throttle, no delay on the node); a user with TOTP gets the partial
 * ticket, which --tfa-challenge and the code turn into a full one; --path/--privs checks
 * privileges and prints no ticket. The password comes from standard input or a terminal
 * (a pseudo-terminal made by Python's pty module), never from the command line.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { serverKeys } from '../../src/auth/server-keys.js';
import { verifyTicket } from '../../src/auth/ticket.js';
import { parseAclPath } from '../../src/model/acl-path.js';
import { parseRoleId, parseUserId } from '../../src/model/ids.js';
import type { TfaUser } from '../../src/model/tfa.js';
import { modifyAcl } from '../../src/services/acl.js';
import { bootstrap } from '../../src/services/bootstrap.js';
import { storeContext } from '../../src/services/context.js';
import { createUser } from '../../src/services/users.js';
import { assemble } from '../../src/store/assemble.js';
import { encodeTfaUser, KEYS } from '../../src/store/codec.js';
import { openStore } from '../../src/store/open.js';
import { hotpCode } from '../../src/tfa/totp.js';
import { repoRoot } from '../support/conformance.js';
import { AT_A_TERMINAL } from '../support/terminal.js';

const TESSERA = join(repoRoot, 'bin', 'tessera');
const secret = Buffer.from('48656c6c6f21deadbeef', 'hex');

describe('tessera ticket', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-ticket-'));
  const store = `sqlite:${join(dir, 'tessera.db')}`;

  const ticket = (input: string, ...args: string[]) =>
    spawnSync(TESSERA, ['--store', store, 'ticket', ...args], { input, encoding: 'utf8' });

  /** What the ticket says, checked with the store's keys; `undefined` if it does not verify. */
  const verified = async (text: string, secretData?: string): Promise<string | undefined> => {
    const opened = await openStore(store);
    try {
      const keys = serverKeys(assemble(await opened.snapshot()));
      assert.ok(keys, 'the store has a ticket key');
      return verifyTicket(keys.ring, text, {
        now: Math.floor(Date.now() / 1000),
        ...(secretData !== undefined ? { secretData } : {}),
      })?.data;
    } finally {
      await opened.close();
    }
  };

  before(async () => {
    const opened = await openStore(store);
    const ctx = storeContext(opened);
    await bootstrap(ctx);
    await createUser(ctx, { userid: parseUserId('alice@pve'), password: 'alice password 1' });
    await createUser(ctx, { userid: parseUserId('bob@pve'), password: 'bob password 1' });
    await modifyAcl(ctx, {
      path: parseAclPath('/vms'),
      roles: [parseRoleId('PVEAuditor')],
      users: [parseUserId('alice@pve')],
    });
    const now = Math.floor(Date.now() / 1000);
    const bob: TfaUser = {
      totp: [
        {
          info: { id: 't1', description: '', created: now, enable: true },
          totp: { secret, algorithm: 'SHA1', digits: 6, period: 30, account: 'bob@pve' },
        },
      ],
      u2f: [],
      webauthn: [],
      yubico: [],
      totpLocked: false,
    };
    await opened.transact(
      [],
      [{ op: 'put', key: KEYS.tfa(parseUserId('bob@pve')), value: encodeTfaUser(bob, 1) }],
    );
    await opened.close();
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints a ticket that verifies with the store key, the password from standard input', async () => {
    const run = ticket('alice password 1\nignored\n', 'alice@pve');
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stderr, '');
    assert.match(run.stdout, /^PVE:alice@pve:[0-9A-F]{8}::\S+\n$/);
    assert.equal(await verified(run.stdout.trimEnd()), 'alice@pve');

    const byRealm = ticket('alice password 1\n', 'alice', '--realm', 'pve', '--new-format');
    assert.equal(byRealm.status, 0, byRealm.stderr);
    assert.equal(await verified(byRealm.stdout.trimEnd()), 'alice@pve');
  });

  it("refuses a wrong password or an unknown user with Proxmox's message, exit 255, at once", () => {
    for (const [input, user] of [
      ['wrong password\n', 'alice@pve'],
      ['alice password 1\n', 'nobody@pve'],
      ['alice password 1\n', 'alice@nowhere'],
    ] as const) {
      const started = Date.now();
      const run = ticket(input, user);
      assert.deepEqual(
        [run.status, run.stdout, run.stderr],
        [255, '', '401 authentication failure\n'],
        user,
      );
      // The server holds a failure for 3 s; the node's own command line does not.
      assert.ok(Date.now() - started < 2_500, 'no delay');
    }
    const empty = ticket('', 'alice@pve');
    assert.deepEqual([empty.status, empty.stderr], [255, 'EOF while reading password\n']);
  });

  it('never takes the password from the command line', () => {
    const run = ticket('', 'alice@pve', '--password', 'alice password 1');
    assert.equal(run.status, 2);
    assert.match(run.stderr, /Unknown option '--password'/);
    assert.equal(run.stdout, '');
  });

  it('prints the partial ticket of a user with TOTP, and answers it with --tfa-challenge', async () => {
    const first = ticket('bob password 1\n', 'bob@pve');
    assert.equal(first.status, 0, first.stderr);
    const partial = first.stdout.trimEnd();
    assert.match(partial, /^PVE:!tfa!/);
    assert.match((await verified(partial, 'bob@pve')) ?? '', /^!tfa!/);
    assert.equal(await verified(partial), undefined, 'not a ticket of its own');

    // A code is good once: the one-step login below takes the next period's (still in window).
    const step = Math.floor(Date.now() / 1000 / 30);
    const code = hotpCode({ secret, algorithm: 'SHA1', digits: 6 }, step);
    const next = hotpCode({ secret, algorithm: 'SHA1', digits: 6 }, step + 1);
    const second = ticket(`totp:${code}\n`, 'bob@pve', '--tfa-challenge', partial);
    assert.equal(second.status, 0, second.stderr);
    assert.equal(await verified(second.stdout.trimEnd()), 'bob@pve');

    const wrong = ticket('totp:000000\n', 'bob@pve', '--tfa-challenge', partial);
    assert.deepEqual([wrong.status, wrong.stderr], [255, '401 authentication failure\n']);
    const replayed = ticket('bob password 1\n', 'bob@pve', '--otp', code);
    assert.equal(replayed.status, 255, 'a code used once is refused');
    const oneStep = ticket('bob password 1\n', 'bob@pve', '--otp', next);
    assert.equal(oneStep.status, 0, oneStep.stderr);
    assert.equal(await verified(oneStep.stdout.trimEnd()), 'bob@pve');
  });

  it('checks privileges with --path and --privs, printing no ticket', () => {
    const held = ticket(
      'alice password 1\n',
      'alice@pve',
      '--path',
      '/vms/100',
      '--privs',
      'VM.Audit',
    );
    assert.deepEqual([held.status, held.stdout, held.stderr], [0, '\n', '']);
    const missing = ticket(
      'alice password 1\n',
      'alice@pve',
      '--path',
      '/',
      '--privs',
      'Sys.Modify',
    );
    assert.deepEqual([missing.status, missing.stderr], [255, '401 authentication failure\n']);
    const half = ticket('alice password 1\n', 'alice@pve', '--path', '/');
    assert.equal(half.status, 255);
    assert.match(half.stderr, /^400 Parameter verification failed\.\nprivs: /);
  });

  it('asks once at a terminal, without echo', async () => {
    const run = spawnSync(
      '/usr/bin/python3',
      ['-c', AT_A_TERMINAL, TESSERA, 'alice password 1', '--store', store, 'ticket', 'alice@pve'],
      { encoding: 'utf8' },
    );
    assert.equal(run.status, 0, run.stdout);
    assert.equal(run.stdout.match(/Enter password: /g)?.length, 1);
    assert.doesNotMatch(run.stdout, /alice password 1/);
    const printed = /PVE:alice@pve:\S+/.exec(run.stdout)?.[0] ?? '';
    assert.equal(await verified(printed), 'alice@pve');
  });
});
