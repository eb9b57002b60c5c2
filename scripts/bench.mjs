// `npm run bench [-- --user-cfg <file>]`: builds, then runs the benchmarks (the permission
// engine with the given arguments, the configuration store, the API, logins under attack, the web interface), with the garbage collector
// exposed so that memory figures are exact.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureAllBuilt, ensureDependencies, root } from './lib.mjs';

await ensureDependencies();
await ensureAllBuilt();
for (const [script, args] of [
  ['main.js', process.argv.slice(2)],
  ['delegation.js', []],
  ['store.js', []],
  ['api.js', []],
  ['logins.js', []],
  ['ui.js', []],
  ['cli.js', []],
]) {
  const result = spawnSync(
    process.execPath,
    ['--expose-gc', join(root, 'dist', 'bench', script), ...args],
    {
      stdio: 'inherit',
    },
  );
  if (result.status !== 0) process.exit(result.status ?? 1);
}
