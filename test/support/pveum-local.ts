/**
 * The real pveum (../shared/reference/oracle) on a directory laid out like /etc/pve: many
 * command lines in one Perl start (test/support/api-schema/pveum-driver.pl), each on the
 * state the ones before it left, with the bytes pveum printed.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { referenceRoot } from './api-schema.js';
import { repoRoot } from './conformance.js';

export interface PveumOutcome {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The cluster pveum's pool commands see (pve-manager's pool API, loaded only when given). */
export interface PoolCluster {
  readonly guests: Readonly<Record<string, 'qemu' | 'lxc'>>;
  readonly storage: readonly string[];
}

export function runPveumLocally(
  dir: string,
  commands: readonly (readonly string[])[],
  pools?: PoolCluster,
): PveumOutcome[] {
  const perl5lib = [
    ...(pools !== undefined ? [join(repoRoot, 'test', 'support', 'api-schema', 'stubs')] : []),
    join(referenceRoot, 'oracle', 'stubs'),
    join(referenceRoot, 'src', 'pve-access-control', 'src'),
    join(referenceRoot, 'src', 'pve-common', 'src'),
    ...(pools !== undefined ? [join(referenceRoot, 'src', 'pve-manager')] : []),
  ].join(':');
  const out = execFileSync(
    'perl',
    [join(repoRoot, 'test', 'support', 'api-schema', 'pveum-driver.pl')],
    {
      input: JSON.stringify({ commands }),
      env: {
        ...process.env,
        PVE_CFS_DIR: dir,
        PERL5LIB: perl5lib,
        LC_ALL: 'C.UTF-8',
        LANG: 'C.UTF-8',
        TZ: 'UTC',
        PERL_HASH_SEED: '0',
        PERL_PERTURB_KEYS: '0',
        ...(pools !== undefined ? { TESSERA_PVEUM_POOLS: JSON.stringify(pools) } : {}),
      },
      maxBuffer: 64 * 1024 * 1024,
    },
  ).toString('utf8');
  const decode = (b64: string): string => Buffer.from(b64, 'base64').toString('utf8');
  return (
    JSON.parse(out) as { results: { status: number; stdout: string; stderr: string }[] }
  ).results.map((r) => ({ status: r.status, stdout: decode(r.stdout), stderr: decode(r.stderr) }));
}
