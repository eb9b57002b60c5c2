// `npm run bench [-- --user-cfg <file>]`: builds, then runs the benchmarks with the given
// arguments, with the garbage collector exposed so that memory figures are exact.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureBuilt, ensureDependencies, root } from './lib.mjs';

ensureDependencies();
ensureBuilt();
const result = spawnSync(
  process.execPath,
  ['--expose-gc', join(root, 'dist', 'bench', 'main.js'), ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
