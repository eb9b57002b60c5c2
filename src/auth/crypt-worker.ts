/**
 * A worker thread of {@link CryptPool}: computes crypt(3) hashes. unixcrypt is pure
 * JavaScript and costs tens of milliseconds per hash; run on the main thread, it would hold up
 * every other request for that time.
 */
import { parentPort } from 'node:worker_threads';
import { encrypt } from 'unixcrypt';

interface CryptJob {
  readonly id: number;
  readonly password: string;
  readonly salt: string;
}

const port = parentPort;
port?.on('message', (job: CryptJob) => {
  try {
    port.postMessage({ id: job.id, hash: encrypt(job.password, job.salt) });
  } catch (err) {
    port.postMessage({ id: job.id, error: err instanceof Error ? err.message : String(err) });
  }
});
