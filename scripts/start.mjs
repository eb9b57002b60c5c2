// `npm start`: runs Tessera's HTTPS API on its default store (bin/tessera serve), passing on
// any arguments.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { root } from './lib.mjs';

const result = spawnSync(join(root, 'bin', 'tessera'), ['serve', ...process.argv.slice(2)], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
