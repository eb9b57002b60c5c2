/**
 * Bash completion (`complete -C 'tessera bashcomplete' tessera`): bash sets COMP_LINE and
 * COMP_POINT and reads one candidate per line.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseGroupId } from '../../src/model/ids.js';
import { bootstrap } from '../../src/services/bootstrap.js';
import { storeContext } from '../../src/services/context.js';
import { createGroup } from '../../src/services/groups.js';
import { openStore } from '../../src/store/open.js';
import { runCli } from '../support/cli.js';

describe('tessera bashcomplete', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-complete-'));
  const store = `sqlite:${join(dir, 'tessera.db')}`;
  before(async () => {
    const opened = await openStore(store);
    await bootstrap(storeContext(opened));
    await createGroup(storeContext(opened), parseGroupId('ops'));
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
});
