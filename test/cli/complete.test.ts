/**
 * Bash completion (`complete -C 'tessera bashcomplete' tessera`): bash sets COMP_LINE and
 * COMP_POINT and reads one candidate per line.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  parseGroupId,
  parsePoolId,
  parseRoleId,
  parseTokenName,
  parseUserId,
} from '../../src/model/ids.js';
import { bootstrap } from '../../src/services/bootstrap.js';
import { storeContext } from '../../src/services/context.js';
import { createGroup } from '../../src/services/groups.js';
import { createPool } from '../../src/services/pools.js';
import { createRole } from '../../src/services/roles.js';
import { createToken } from '../../src/services/tokens.js';
import { openStore } from '../../src/store/open.js';
import { runCli } from '../support/cli.js';

describe('tessera bashcomplete', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-complete-'));
  const store = `sqlite:${join(dir, 'tessera.db')}`;
  before(async () => {
    const opened = await openStore(store);
    await bootstrap(storeContext(opened));
    const ctx = storeContext(opened);
    await createGroup(ctx, parseGroupId('ops'));
    await createGroup(ctx, parseGroupId('dev'));
    await createPool(ctx, parsePoolId('web'));
    await createRole(ctx, parseRoleId('Custom'), ['VM.Audit']);
    for (const name of ['ci', 'deploy'])
      await createToken(ctx, parseUserId('admin@pve'), parseTokenName(name));
    await opened.close();
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** The candidates for a command line typed up to its end; bash's own arguments after. */
  const complete = async (line: string, ...bashArgs: string[]): Promise<string[]> => {
    process.env['COMP_LINE'] = line;
    process.env['COMP_POINT'] = String(line.length);
    try {
      const { status, stdout } = await runCli('bashcomplete', ...bashArgs);
      assert.equal(status, 0);
      return stdout.split('\n').filter((l) => l !== '');
    } finally {
      delete process.env['COMP_LINE'];
      delete process.env['COMP_POINT'];
    }
  };

  it('completes command words, options and their values', async () => {
    assert.deepEqual(await complete('tessera user tfa '), ['delete', 'list', 'unlock']);
    assert.deepEqual(await complete('tessera ex'), ['explain', 'export']);
    assert.deepEqual(await complete('tessera --output-format j'), ['json', 'json-pretty']);
    // Bash hands the word being completed over as an argument, options included.
    assert.deepEqual(await complete('tessera config check --st', 'tessera', '--st'), ['--store']);
  });

  it('completes arguments from the configuration', async () => {
    assert.deepEqual(await complete(`tessera --store ${store} user permissions ad`), ['admin@pve']);
    assert.deepEqual(await complete(`tessera --store ${store} acl explain admin@pve / VM.Po`), [
      'VM.PowerMgmt',
    ]);
    assert.deepEqual(await complete(`tessera --store ${store} realm sync p`), ['pam', 'pve']);
    assert.deepEqual(await complete(`tessera --store ${store} config show priv/s`), [
      'priv/shadow.cfg',
    ]);
    // Nothing to read: nothing to offer, and no error.
    assert.deepEqual(
      await complete(`tessera --store sqlite:${join(dir, 'none', 'x.db')} user logout a`),
      [],
    );
  });

  it("completes pveum's commands and aliases, their options and option values", async () => {
    assert.deepEqual(await complete('tessera user token '), [
      'add',
      'delete',
      'list',
      'modify',
      'permissions',
      'remove',
    ]);
    assert.deepEqual(await complete('tessera usera'), ['useradd']);
    assert.deepEqual(await complete('tessera acl'), ['acl', 'aclmod', 'acldel'].sort());
    assert.deepEqual(await complete('tessera user add x@pve --gr'), ['--groups']);
    // pveum's Getopt takes -name too: offered in the form typed.
    assert.deepEqual(await complete('tessera useradd x@pve -fi'), ['-firstname']);
    assert.deepEqual(await complete('tessera user add x@pve --enable '), ['0', '1']);
    assert.deepEqual(await complete('tessera realm add x --type '), [
      'ad',
      'ldap',
      'openid',
      'pam',
      'pve',
    ]);
    assert.deepEqual(await complete('tessera realm modify x --mode ldap'), [
      'ldap',
      'ldap+starttls',
      'ldaps',
    ]);
    // Once the arguments are there, pveum offers the options.
    assert.deepEqual(await complete('tessera group add newgroup '), ['--comment']);
  });

  it("completes pveum's arguments and list options from the configuration", async () => {
    const at = `tessera --store ${store}`;
    assert.deepEqual(await complete(`${at} user token modify admin@pve `), ['ci', 'deploy']);
    assert.deepEqual(await complete(`${at} user token remove admin@pve d`), ['deploy']);
    assert.deepEqual(await complete(`${at} user token list adm`), ['admin@pve']);
    assert.deepEqual(await complete(`${at} group modify o`), ['ops']);
    assert.deepEqual(await complete(`${at} roledel C`), ['Custom']);
    assert.deepEqual(await complete(`${at} realm delete p`), ['pam', 'pve']);
    assert.deepEqual(await complete(`${at} pool modify `), ['web']);
    assert.deepEqual(await complete(`${at} acl modify /po`), ['/pool', '/pool/web']);
    assert.deepEqual(await complete(`${at} user add x@pve --groups ops,d`), ['ops,dev']);
    assert.deepEqual(await complete(`${at} aclmod / --roles PVEAu`), ['PVEAuditor']);
    assert.deepEqual(await complete(`${at} aclmod / --roles Cu`), ['Custom']);
    assert.deepEqual(await complete(`${at} user permissions admin@pve --path /vm`), ['/vms']);
  });
});
