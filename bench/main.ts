/**
 * `npm run bench [-- --user-cfg <file>] [-- --seed <n>]`: the permission engine against a
 * naive, uncached walk of the same algorithm, measured in the same run.
 *
 * Reports compile time, memory, and checks per second cold (first check of a principal on
 * a fresh engine) and warm (repeated checks), each with the baseline and the ratio.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseUserCfg } from '../src/formats/user-cfg.js';
import { PRIVILEGES, type Privilege } from '../src/model/privileges.js';
import type { UserConfig } from '../src/model/user-config.js';
import { PermissionEngine, resultToMap } from '../src/permissions/engine.js';
import { generateConfig, TARGET_SIZE } from './generate.js';
import { naivePermissions } from './naive.js';
import { Random } from './random.js';
import { requestedAclPath, type AclPath } from '../src/model/acl-path.js';
import { parseAuthid, type Authid } from '../src/model/ids.js';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { 'user-cfg': { type: 'string' }, seed: { type: 'string', default: '20261123' } },
});
const seed = Number(values.seed);

const gc = (globalThis as { gc?: () => void }).gc;
function collect(): void {
  gc?.();
  gc?.();
}
const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MB`;
const now = (): number => Number(process.hrtime.bigint()) / 1e9;

interface Check {
  readonly authid: Authid;
  readonly path: AclPath;
  readonly privilege: Privilege;
}

/** Principals and paths drawn from the configuration itself, with a fixed seed. */
function drawChecks(config: UserConfig, count: number, random: Random): Check[] {
  const principals = [...config.users.keys(), ...config.tokens.keys()] as string[];
  const aclPaths = [...config.acl.keys()] as string[];
  const poolMembers = [...config.pools.values()].flatMap((p) => [
    ...[...p.vms].map((v) => `/vms/${v}`),
    ...[...p.storage].map((s) => `/storage/${s}`),
  ]);
  const checks: Check[] = [];
  for (let i = 0; i < count; i++) {
    const kind = random.next();
    // Resources with ACLs, pool members, and paths below them (which inherit).
    const base =
      kind < 0.6 || poolMembers.length === 0
        ? random.pick(aclPaths.length > 0 ? aclPaths : ['/'])
        : random.pick(poolMembers);
    const path = random.chance(0.2) ? `${base === '/' ? '' : base}/child` : base;
    checks.push({
      authid: parseAuthid(random.pick(principals)),
      path: requestedAclPath(path),
      privilege: random.pick(PRIVILEGES),
    });
  }
  return checks;
}

function time<T>(fn: () => T): { result: T; seconds: number } {
  const start = now();
  const result = fn();
  return { result, seconds: now() - start };
}

interface Row {
  readonly metric: string;
  readonly value: string;
  readonly baseline: string;
  readonly ratio: string;
  readonly target: string;
  readonly ok: string;
}

function printTable(rows: readonly Row[]): void {
  const header: Row = {
    metric: 'metric',
    value: 'tessera',
    baseline: 'naive baseline',
    ratio: 'speed-up',
    target: 'target',
    ok: '',
  };
  const all = [header, ...rows];
  const keys = ['metric', 'value', 'baseline', 'ratio', 'target', 'ok'] as const;
  const widths = keys.map((k) => Math.max(...all.map((r) => r[k].length)));
  for (const r of all)
    console.log(
      keys
        .map((k, i) => r[k].padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    );
}

function main(): void {
  let config: UserConfig;
  let source: string;
  if (values['user-cfg'] !== undefined) {
    const parsed = parseUserCfg(readFileSync(values['user-cfg'], 'utf8'));
    config = parsed.value;
    source = `${values['user-cfg']} (${parsed.diagnostics.length} diagnostics)`;
  } else {
    config = generateConfig(TARGET_SIZE, seed);
    source = `generated (seed ${seed})`;
  }
  let assignments = 0;
  for (const node of config.acl.values())
    for (const members of [node.users, node.groups, node.tokens])
      for (const roles of members.values()) assignments += roles.size;
  console.log(`configuration: ${source}`);
  console.log(
    `  ${config.users.size} users, ${config.groups.size} groups, ${config.pools.size} pools, ${assignments} ACL assignments on ${config.acl.size} paths, ${config.tokens.size} tokens`,
  );
  console.log(
    `  node ${process.version}${gc ? '' : ' (run with --expose-gc for exact memory figures)'}`,
  );

  // Compile: best of five.
  collect();
  const before = process.memoryUsage().heapUsed;
  let engine = PermissionEngine.compile(config);
  collect();
  const compiledBytes = process.memoryUsage().heapUsed - before;
  let compileSeconds = Infinity;
  for (let i = 0; i < 5; i++)
    compileSeconds = Math.min(compileSeconds, time(() => PermissionEngine.compile(config)).seconds);

  const random = new Random(seed);
  const checks = drawChecks(config, 20_000, random);

  // Correctness first: the engine and the baseline agree on every drawn check.
  const sample = checks.slice(0, 2_000);
  for (const c of sample) {
    const expected = naivePermissions(config, c.authid, c.path);
    const actual = resultToMap(engine.result(c.authid, c.path));
    if (expected.size !== actual.size || [...expected].some(([p, f]) => actual.get(p) !== f)) {
      throw new Error(`engine and baseline disagree on ${c.authid} ${c.path}`);
    }
  }

  // Cold: the first check of each principal on a fresh engine (pool roles and group
  // membership are worked out on first use).
  engine = PermissionEngine.compile(config);
  const seen = new Set<string>();
  const cold = checks
    .filter((c) => (seen.has(c.authid) ? false : (seen.add(c.authid), true)))
    .slice(0, 5_000);
  const coldTime = time(() => {
    let granted = 0;
    for (const c of cold) if (engine.can(c.authid, c.path, c.privilege)) granted++;
    return granted;
  });
  const naiveSample = cold.slice(0, 300);
  const naiveTime = time(() => {
    let granted = 0;
    for (const c of naiveSample)
      if (naivePermissions(config, c.authid, c.path).has(c.privilege)) granted++;
    return granted;
  });
  const coldMicros = (coldTime.seconds / cold.length) * 1e6;
  const naiveMicros = (naiveTime.seconds / naiveSample.length) * 1e6;

  // Warm: every drawn check answered, then the whole set again and again. The first rounds
  // also let the JIT settle, so that compiled code does not count as allocation.
  const warmRound = (): number => {
    let granted = 0;
    for (const c of checks) if (engine.can(c.authid, c.path, c.privilege)) granted++;
    return granted;
  };
  for (let r = 0; r < 20; r++) warmRound();
  const rounds = 50;
  collect();
  const heapBefore = process.memoryUsage().heapUsed;
  const warmTime = time(() => {
    let granted = 0;
    for (let r = 0; r < rounds; r++) granted += warmRound();
    return granted;
  });
  const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
  const warmChecks = rounds * checks.length;
  const warmMicros = (warmTime.seconds / warmChecks) * 1e6;
  collect();
  const totalHeap = process.memoryUsage().heapUsed;

  const rate = (micros: number): string => `${Math.round(1e6 / micros).toLocaleString('en-US')}/s`;
  const rows: Row[] = [
    {
      metric: 'compile',
      value: `${(compileSeconds * 1000).toFixed(0)} ms`,
      baseline: 'none',
      ratio: '',
      target: '< 2000 ms',
      ok: compileSeconds < 2 ? 'ok' : 'MISSED',
    },
    {
      metric: 'engine memory (heap)',
      value: mb(compiledBytes),
      baseline: '',
      ratio: '',
      target: '',
      ok: '',
    },
    {
      metric: 'process heap after warm checks',
      value: mb(totalHeap),
      baseline: '',
      ratio: '',
      target: '< 500 MB',
      ok: totalHeap < 500 * 2 ** 20 ? 'ok' : 'MISSED',
    },
    {
      metric: `cold check (first per principal, n=${cold.length})`,
      value: `${coldMicros.toFixed(2)} µs (${rate(coldMicros)})`,
      baseline: `${naiveMicros.toFixed(1)} µs (${rate(naiveMicros)}, n=${naiveSample.length})`,
      ratio: `${(naiveMicros / coldMicros).toFixed(1)}x`,
      target: '< 50 µs',
      ok: coldMicros < 50 ? 'ok' : 'MISSED',
    },
    {
      metric: 'warm check',
      value: `${warmMicros.toFixed(3)} µs (${rate(warmMicros)})`,
      baseline: `${naiveMicros.toFixed(1)} µs (${rate(naiveMicros)})`,
      ratio: `${(naiveMicros / warmMicros).toFixed(0)}x`,
      target: '< 1 µs',
      ok: warmMicros < 1 ? 'ok' : 'MISSED',
    },
    {
      metric: 'heap growth per warm check',
      value: `${(heapGrowth / warmChecks).toFixed(3)} bytes`,
      baseline: '',
      ratio: '',
      target: '0 (no allocation)',
      ok: heapGrowth / warmChecks < 1 ? 'ok' : 'MISSED',
    },
  ];
  console.log('');
  printTable(rows);
  console.log(
    `\n${sample.length} drawn checks answered identically by the engine and the baseline.`,
  );
}

main();
