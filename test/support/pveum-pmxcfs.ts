/**
 * The real pveum on a directory laid out like /etc/pve, with pmxcfs's locking and atomic
 * writes (test/support/api-schema/pveum-pmxcfs-driver.pl), run without blocking: the test
 * changes the same directory from Tessera while pveum runs.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { referenceRoot } from './api-schema.js';
import { repoRoot } from './conformance.js';
import type { PveumOutcome } from './pveum-local.js';

export function runPveumPmxcfs(
  dir: string,
  commands: readonly (readonly string[])[],
): Promise<PveumOutcome[]> {
  const perl5lib = [
    join(referenceRoot, 'oracle', 'stubs'),
    join(referenceRoot, 'src', 'pve-access-control', 'src'),
    join(referenceRoot, 'src', 'pve-common', 'src'),
  ].join(':');
  const child = spawn(
    'perl',
    [join(repoRoot, 'test', 'support', 'api-schema', 'pveum-pmxcfs-driver.pl')],
    {
      env: {
        ...process.env,
        PVE_CFS_DIR: dir,
        PERL5LIB: perl5lib,
        LC_ALL: 'C.UTF-8',
        LANG: 'C.UTF-8',
        TZ: 'UTC',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
  child.stdin.end(JSON.stringify({ commands }));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => {
      if (status !== 0) {
        reject(
          new Error(`pveum driver exited ${String(status)}: ${Buffer.concat(err).toString()}`),
        );
        return;
      }
      const decode = (b64: string): string => Buffer.from(b64, 'base64').toString('utf8');
      const parsed = JSON.parse(Buffer.concat(out).toString('utf8')) as {
        results: { status: number; stdout: string; stderr: string }[];
      };
      resolve(
        parsed.results.map((r) => ({
          status: r.status,
          stdout: decode(r.stdout),
          stderr: decode(r.stderr),
        })),
      );
    });
  });
}
