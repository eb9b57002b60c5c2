// `npm run bench [-- --user-cfg <file>]`: builds, then runs the benchmarks with the given arguments.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureBuilt, ensureDependencies, root } from './lib.mjs';

ensureDependencies();
ensureBuilt();
await import(pathToFileURL(join(root, 'dist', 'bench', 'main.js')).href);
