/**
 * Raw TLS connections to a running `serve`, for tests of what a certificate change does to
 * new and to already open (keep-alive) connections.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';

/** A TLS connection to 127.0.0.1:`port` and the certificate the server gave it. */
export async function openTls(
  port: number,
  options: ConnectionOptions = {},
): Promise<{ socket: TLSSocket; peer: X509Certificate }> {
  const socket = connect({ host: '127.0.0.1', port, ...options });
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', resolve);
    socket.once('error', reject);
  });
  const peer = socket.getPeerX509Certificate();
  assert.ok(peer instanceof X509Certificate);
  return { socket, peer };
}

/** One HTTP/1.1 GET of `path` on an open socket, kept alive; resolves with the status line. */
export function keepAliveGet(socket: TLSSocket, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = '';
    const onData = (chunk: Buffer): void => {
      answer += chunk.toString();
      if (!answer.includes('\r\n\r\n')) return;
      const length = Number(/content-length: (\d+)/i.exec(answer)?.[1] ?? '0');
      if (answer.length - answer.indexOf('\r\n\r\n') - 4 < length) return;
      socket.off('data', onData);
      resolve(answer.slice(0, answer.indexOf('\r\n')));
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n`);
  });
}
