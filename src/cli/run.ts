/**
 * Process entry point of the command line (bin/tessera).
 */
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
