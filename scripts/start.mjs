// `npm start`: runs Tessera. Until the HTTPS server exists this shows the command line's help.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { root } from './lib.mjs';

const result = spawnSync(join(root, 'bin', 'tessera'), ['help', ...process.argv.slice(2)], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
