/**
 * Debian's `pebble`, the ACME test server, on loopback ports from a temporary directory. It
 * validates HTTP-01 challenges for real: `httpPort` is where it fetches the challenge (the
 * responder under test), and names resolve through this machine's resolver (`localhost`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selfSignedCertificate } from './certificate.js';
import { freePort } from './serve.js';

export interface Pebble {
  /** The ACME directory URL. */
  readonly directory: string;
  /** The CA file of pebble's own HTTPS listener (`--acme-ca`). */
  readonly tlsCa: string;
  /** The root that signs the certificates pebble issues (PEM). */
  root(): Promise<Buffer>;
  stop(): Promise<void>;
}

export async function startPebble(httpPort: number): Promise<Pebble> {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-pebble-'));
  const tls = selfSignedCertificate(dir, 'pebble-tls', 2);
  const [acmePort, managementPort, tlsPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  await writeFile(
    join(dir, 'pebble.json'),
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${String(acmePort)}`,
        managementListenAddress: `127.0.0.1:${String(managementPort)}`,
        certificate: tls.cert,
        privateKey: tls.key,
        httpPort,
        tlsPort,
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
      },
    }),
  );
  const child: ChildProcess = spawn('pebble', ['-config', join(dir, 'pebble.json')], {
    cwd: dir,
    // No random sleep before validation, and no nonces refused at random (pebble's defaults
    // exercise clients' retries, not what this test is about); every order validates anew.
    env: {
      ...process.env,
      PEBBLE_VA_NOSLEEP: '1',
      PEBBLE_WFE_NONCEREJECT: '0',
      PEBBLE_AUTHZREUSE: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const seen = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes('ACME directory available at')) resolve();
    };
    child.stdout?.on('data', seen);
    child.stderr?.on('data', seen);
    child.once('exit', (code) => {
      reject(new Error(`pebble exited with ${String(code)}: ${output}`));
    });
  });
  const ca = await readFile(tls.cert);
  return {
    directory: `https://127.0.0.1:${String(acmePort)}/dir`,
    tlsCa: tls.cert,
    root: () =>
      new Promise((resolve, reject) => {
        get(`https://127.0.0.1:${String(managementPort)}/roots/0`, { ca }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            resolve(Buffer.concat(chunks));
          });
        }).on('error', reject);
      }),
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
