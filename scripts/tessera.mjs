// Entry point of bin/tessera: make sure Tessera is installed and built, then run the CLI.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureBuilt, ensureDependencies, root } from './lib.mjs';

ensureDependencies();
ensureBuilt();
await import(pathToFileURL(join(root, 'dist', 'src', 'cli', 'run.js')).href);
