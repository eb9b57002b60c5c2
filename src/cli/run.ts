/**
 * Process entry point of the command line (bin/tessera, `npm start`): runs the command and
 * ends the process with its exit status.
 */
import { main } from './main.js';

// A command is done when main returns, so the process ends here instead of waiting for the
// event loop to drain: the etcd client leaves reconnect timers (up to 30 s) behind once its
// members are gone, even after it was closed.
process.exit(await main(process.argv.slice(2)));
