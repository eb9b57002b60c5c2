// `npm start`: Tessera's HTTPS API on its default store (tessera serve), passing on any
// arguments. The server runs in this process, which npm starts with `exec`: the SIGTERM or
// SIGINT that stops `npm start` reaches the server, which stops cleanly.
import { ensureServer } from './lib.mjs';

await ensureServer();
process.argv.splice(2, 0, 'serve');
await import('../dist/src/cli/run.js');
