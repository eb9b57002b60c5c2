/**
 * Command-line start-up: `bin/tessera --help`, a permission query and `config check` on a
 * small SQLite store, each run as a user types it (a new process through bin/tessera, with
 * its freshness check), against a bare `node -e 0` measured in the same run, interleaved so
 * that both see the same machine.
 *
 * Targets: each command under 150 ms (median) and at most 3x the bare start-up. Proxmox's
 * own pveum (../shared/reference/oracle/pveum, Perl) answers the same questions on the same
 * configuration exported as Proxmox files, in the same rounds, when the reference is there.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAclPath } from '../src/model/acl-path.js';
import { parseGroupId, parseRoleId, parseUserId } from '../src/model/ids.js';
import { modifyAcl } from '../src/services/acl.js';
import { bootstrap } from '../src/services/bootstrap.js';
import { liveContext } from '../src/services/context.js';
import { createGroup } from '../src/services/groups.js';
import { createUser } from '../src/services/users.js';
import { LiveAccess } from '../src/store/live.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { repoRoot } from '../test/support/conformance.js';

const RUNS = 25;
const TARGET_MS = 150;
const TARGET_RATIO = 3;

/** A store of the size a small site has: 20 users in 4 groups, ACLs on VMs and storage. */
async function smallStore(file: string): Promise<void> {
  const live = await LiveAccess.open(new SqliteStore(file));
  const ctx = liveContext(live);
  await bootstrap(ctx);
  for (let g = 0; g < 4; g++) await createGroup(ctx, parseGroupId(`team${String(g)}`));
  for (let u = 0; u < 20; u++)
    await createUser(ctx, {
      userid: parseUserId(`user${String(u)}@pve`),
      groups: [parseGroupId(`team${String(u % 4)}`)],
    });
  for (let g = 0; g < 4; g++)
    for (const path of [`/vms/${String(100 + g)}`, '/storage/local'])
      await modifyAcl(ctx, {
        path: parseAclPath(path),
        roles: [parseRoleId(g % 2 === 0 ? 'PVEVMUser' : 'PVEDatastoreUser')],
        groups: [parseGroupId(`team${String(g)}`)],
      });
  await live.close();
}

function runOnce(argv: readonly string[], env?: NodeJS.ProcessEnv): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(argv[0] ?? '', argv.slice(1), {
    stdio: ['ignore', 'ignore', 'pipe'],
    ...(env ? { env } : {}),
  });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0)
    throw new Error(
      `${argv.join(' ')} exited with ${String(result.status)}: ${String(result.stderr)}`,
    );
  return elapsed;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-cli-'));
try {
  const db = join(dir, 'tessera.db');
  await smallStore(db);
  const tessera = join(repoRoot, 'bin', 'tessera');
  const store = ['--store', `sqlite:${db}`];
  const commands: Record<string, readonly string[]> = {
    'node -e 0 (baseline)': [process.execPath, '-e', '0'],
    'tessera --help': [tessera, '--help'],
    'tessera user permissions user3@pve': [tessera, ...store, 'user', 'permissions', 'user3@pve'],
    'tessera config check': [tessera, ...store, 'config', 'check'],
    'tessera user list': [tessera, ...store, 'user', 'list'],
    // A change: the operation, its audit event and one transaction.
    'tessera user modify user3@pve --comment bench': [
      tessera,
      ...store,
      'user',
      'modify',
      'user3@pve',
      '--comment',
      'bench',
    ],
  };
  // Proxmox's pveum on the same configuration, written out as Proxmox files.
  const pveum = join(repoRoot, '..', 'shared', 'reference', 'oracle', 'pveum');
  const pveDir = join(dir, 'pve');
  const pveEnv = { ...process.env, PVE_CFS_DIR: pveDir };
  const withPveum =
    existsSync(pveum) &&
    spawnSync(tessera, [...store, 'export', '--pve-dir', pveDir]).status === 0 &&
    spawnSync(pveum, ['help'], { env: pveEnv }).status === 0;
  if (withPveum) {
    commands['pveum help (Perl)'] = [pveum, 'help'];
    commands['pveum user permissions user3@pve (Perl)'] = [
      pveum,
      'user',
      'permissions',
      'user3@pve',
    ];
    commands['pveum user list (Perl)'] = [pveum, 'user', 'list'];
    commands['pveum user modify user3@pve --comment bench (Perl)'] = [
      pveum,
      'user',
      'modify',
      'user3@pve',
      '--comment',
      'bench',
    ];
  }
  const envOf = (name: string) => (name.startsWith('pveum') ? pveEnv : undefined);
  const samples = new Map(Object.keys(commands).map((name) => [name, [] as number[]]));
  // One warm-up round fills the page cache; then the commands take turns.
  for (const [name, argv] of Object.entries(commands)) runOnce(argv, envOf(name));
  for (let round = 0; round < RUNS; round++)
    for (const [name, argv] of Object.entries(commands))
      samples.get(name)?.push(runOnce(argv, envOf(name)));
  const baseline = median(samples.get('node -e 0 (baseline)') ?? []);
  console.log(`command line start-up, median of ${String(RUNS)} runs:`);
  for (const [name, values] of samples) {
    const value = median(values);
    const ratio = value / baseline;
    const verdict =
      name.startsWith('node ') || name.startsWith('pveum')
        ? ''
        : ` (target < ${String(TARGET_MS)} ms and <= ${String(TARGET_RATIO)}x: ${value < TARGET_MS && ratio <= TARGET_RATIO ? 'met' : 'MISSED'})`;
    console.log(`  ${name}: ${value.toFixed(1)} ms, ratio ${ratio.toFixed(2)}x${verdict}`);
  }
  if (withPveum) {
    for (const command of [
      'user permissions user3@pve',
      'user list',
      'user modify user3@pve --comment bench',
    ]) {
      const ours = median(samples.get(`tessera ${command}`) ?? []);
      const theirs = median(samples.get(`pveum ${command} (Perl)`) ?? []);
      console.log(
        `  tessera against pveum, ${command}: ${(ours / theirs).toFixed(2)}x (target: below 1)`,
      );
    }
  } else console.log('  pveum (the reference) is not available here: not compared');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
