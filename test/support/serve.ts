/**
 * `tessera serve` as a child process for tests, and HTTPS calls to it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { repoRoot } from './conformance.js';

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  return typeof address === 'object' && address !== null ? address.port : 0;
}

export interface Response {
  readonly status: number;
  /** The status line's reason phrase. */
  readonly reason: string;
  readonly contentType: string | undefined;
  readonly body: { data: unknown; message?: string };
}

export function call(
  port: number,
  ca: Buffer,
  method: string,
  path: string,
  form: Record<string, string> = {},
  headers: Record<string, string> = {},
): Promise<Response> {
  const payload = new URLSearchParams(form).toString();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: `/api2/json${path}`,
        ca,
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            reason: res.statusMessage ?? '',
            contentType: res.headers['content-type'],
            // Refusals before a method runs have no body, as from pveproxy.
            body: (text === '' ? { data: null } : JSON.parse(text)) as Response['body'],
          });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

export function start(
  dataDir: string,
  port: number,
  extra: readonly string[] = [],
): { child: ChildProcess; output: () => string; ready: Promise<void> } {
  const child = spawn(
    process.execPath,
    [
      join(repoRoot, 'dist', 'src', 'cli', 'run.js'),
      'serve',
      '--listen',
      `127.0.0.1:${String(port)}`,
      ...extra,
    ],
    { env: { ...process.env, TESSERA_DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Tessera listening')) resolve();
    });
    child.on('exit', (code) => {
      reject(new Error(`serve exited with ${String(code)}: ${out}`));
    });
  });
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return { child, output: () => out, ready };
}

export async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      resolve(code);
    }),
  );
  child.kill('SIGTERM');
  return exited;
}
